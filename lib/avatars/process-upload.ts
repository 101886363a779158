import { HaloError } from '../errors';
import { fanOut } from '../sockets/fan-out';
import type { AvatarDeps } from './avatar-deps';
import { uploadKey } from './avatar-objects';
import { AVATAR_RULES } from './normalise-avatar';
import { storeAvatar } from './store-avatar';

export type UploadOutcome = 'stored' | 'rejected' | 'missing' | 'user-gone';

/**
 * Runs for every object a browser POSTed straight to S3 (uploads/<userId>/<uploadId>). S3 does not
 * enforce the presigned policy everywhere (and never judges content), so everything is checked again
 * here exactly as on the direct path. The raw upload is deleted once judged: a valid one lives on as its
 * normalised copy, an invalid one is never shown (and the user's sockets hear why). On an outage it is
 * kept, so the retried event can finish the job.
 */
export async function processUpload(deps: AvatarDeps, userId: string, uploadId: string): Promise<UploadOutcome> {
  const key = uploadKey(userId, uploadId);
  const bytes = await deps.objects.read(key, AVATAR_RULES.maxBytes);
  if (bytes === 'missing') return 'missing'; // a retried event whose work is already done
  const outcome = await judge(deps, userId, uploadId, bytes);
  await deps.objects.delete(key);
  return outcome;
}

async function judge(deps: AvatarDeps, userId: string, uploadId: string, bytes: Uint8Array | 'too large'): Promise<UploadOutcome> {
  if (!(await deps.avatars.currentAvatar(userId)).active) return 'user-gone';
  if (bytes === 'too large') return reject(deps, userId, uploadId, `must be at most ${AVATAR_RULES.maxBytes / 1024 / 1024} MB`);
  try {
    await storeAvatar(deps, userId, bytes);
    return 'stored';
  } catch (error) {
    if (!(error instanceof HaloError)) throw error;
    if (error.code === 'invalid_token') return 'user-gone';
    return reject(deps, userId, uploadId, Object.values(error.fields).join('; '));
  }
}

async function reject(deps: AvatarDeps, userId: string, uploadId: string, reason: string): Promise<'rejected'> {
  await fanOut(deps, userId, { type: 'avatar.rejected', data: { userId, uploadId, reason } });
  return 'rejected';
}
