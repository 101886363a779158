import { announceAvatar, type Announcement } from './announce-avatar';
import type { AvatarDeps } from './avatar-deps';
import { parseObjectKey } from './avatar-objects';
import type { UploadLanding } from '../storage/upload-grants-repository';
import { processUpload, type UploadOutcome } from './process-upload';

/**
 * An object landed in the avatar bucket (its S3 ObjectCreated event): a browser's direct upload (uploads/)
 * is judged and turned into an avatar; a new avatar (avatars/) is announced to the user's sockets. Any
 * other key is none of Halo's business: undefined.
 */
export async function avatarObjectCreated(deps: AvatarDeps, key: string, landing: UploadLanding): Promise<UploadOutcome | Announcement | undefined> {
  const target = parseObjectKey(key);
  if (!target) return undefined;
  return target.kind === 'upload' ? processUpload(deps, target.userId, target.id, landing) : announceAvatar(deps, target.userId, target.id);
}
