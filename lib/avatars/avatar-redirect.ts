import { HaloError } from '../errors';
import type { AvatarStoreDeps } from './avatar-deps';
import { avatarKey } from './avatar-objects';
import { AVATAR_VERSION } from './avatar-version';

const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * `GET /avatars/{userId}/{version}`: a short-lived presigned URL of the avatar. Only the user's current
 * version has one; an old version, a deleted user or a made-up path is not found. `forCors` asks for a URL of
 * its own for CORS requests, so a browser never answers one kind of request with the other's cached answer.
 */
export async function avatarRedirect(
  deps: Pick<AvatarStoreDeps, 'avatars' | 'objects'>,
  userId: string,
  version: string,
  presignedSeconds: number,
  options: { readonly forCors?: boolean } = {},
): Promise<string> {
  const notFound = () => new HaloError('not_found', { avatar: 'no such avatar' });
  if (!USER_ID.test(userId) || !AVATAR_VERSION.test(version)) throw notFound();
  const current = await deps.avatars.currentAvatar(userId);
  if (!current.active || current.version !== version) throw notFound();
  return deps.objects.presignedGet(avatarKey(userId, version), presignedSeconds, options);
}
