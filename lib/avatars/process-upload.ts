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
 * normalised copy, an invalid one is never shown, and only then are the user's sockets told why. On an
 * outage it is kept, so the retried event can finish the job.
 */
export async function processUpload(deps: AvatarDeps, userId: string, uploadId: string): Promise<UploadOutcome> {
  const key = uploadKey(userId, uploadId);
  const bytes = await deps.objects.read(key, AVATAR_RULES.maxBytes);
  if (bytes === 'missing') return 'missing'; // a retried event whose work is already done
  const verdict = await judge(deps, userId, bytes);
  // A failed removal is rethrown (so the retried event removes it), but only once the user has been
  // told: the retry may find the upload gone already (its reply was lost), and could not tell them then.
  const removal = await deps.objects.delete(key).then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  if (verdict.outcome === 'rejected') {
    await fanOut(deps, userId, { type: 'avatar.rejected', data: { userId, uploadId, reason: verdict.reason } });
  }
  if (removal) throw removal.error;
  return verdict.outcome;
}

type Verdict = { outcome: 'stored' | 'user-gone' } | { outcome: 'rejected'; reason: string };

async function judge(deps: AvatarDeps, userId: string, bytes: Uint8Array | 'too large'): Promise<Verdict> {
  if (!(await deps.avatars.currentAvatar(userId)).active) return { outcome: 'user-gone' };
  if (bytes === 'too large') return { outcome: 'rejected', reason: `must be at most ${AVATAR_RULES.maxBytes / 1024 / 1024} MB` };
  try {
    await storeAvatar(deps, userId, bytes);
    return { outcome: 'stored' };
  } catch (error) {
    if (!(error instanceof HaloError)) throw error;
    if (error.code === 'invalid_token') return { outcome: 'user-gone' };
    return { outcome: 'rejected', reason: Object.values(error.fields).join('; ') };
  }
}
