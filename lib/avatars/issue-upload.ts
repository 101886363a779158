import { randomUUID } from 'node:crypto';
import { HaloError } from '../errors';
import type { UploadGrantsRepository } from '../storage/upload-grants-repository';
import type { AvatarStoreDeps } from './avatar-deps';
import type { PresignedUpload } from './avatar-objects';

/** Ten minutes to start the upload; the object is judged when it lands, whenever that is. */
export const UPLOAD_WINDOW_SECONDS = 600;

export interface UploadFormDeps extends AvatarStoreDeps {
  readonly uploadGrants: UploadGrantsRepository;
}

/**
 * A direct-upload form for one new object, `uploads/<userId>/<uploadId>`, and the grant that lets the S3
 * event's function accept it (lib/avatars/process-upload.ts): S3's policy keeps the browser to that key and
 * size, the grant keeps anyone from having an object there accepted that Halo did not hand to this user.
 */
export async function issueUpload(deps: UploadFormDeps, userId: string): Promise<PresignedUpload> {
  const now = deps.clock();
  const uploadId = randomUUID();
  const expiresAt = new Date(now.getTime() + UPLOAD_WINDOW_SECONDS * 1000).toISOString();
  await deps.uploadGrants.issue({ userId, uploadId, expiresAt });
  // Account deletion removes the grants it finds; one written as it ran must not outlive the account.
  if (!(await deps.avatars.currentAvatar(userId)).active) {
    await deps.uploadGrants.withdraw(uploadId);
    throw new HaloError('account_gone', { accessToken: 'the account no longer exists' });
  }
  return deps.objects.presignedUpload(userId, uploadId, UPLOAD_WINDOW_SECONDS, now);
}
