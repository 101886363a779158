import { HaloError } from '../errors';
import type { UploadLanding } from '../storage/upload-grants-repository';
import { fanOut } from '../sockets/fan-out';
import type { AvatarDeps } from './avatar-deps';
import { uploadKey } from './avatar-objects';
import { AVATAR_RULES } from './normalise-avatar';
import { storeAvatar } from './store-avatar';

export type UploadOutcome = 'stored' | 'rejected' | 'missing' | 'user-gone' | 'not-granted';

/**
 * Runs for every object a browser POSTed straight to S3 (uploads/<userId>/<uploadId>). First it must be an
 * upload Halo handed to that user: its grant (lib/storage/upload-grants-repository.ts) must exist, be the
 * user's, have been valid when the object landed, and not be held by another write of the key. Otherwise
 * (a forged key, a bucket that let it in, a second use of a form) the object is deleted and nothing else
 * happens: no avatar changes and no socket is told. S3's policy keeps a browser to its key and size, but
 * the content is never judged by S3, so everything is checked again exactly as on the direct path. The
 * raw upload is deleted once judged: a valid one lives on as its normalised copy, an invalid one is never
 * shown, and only then are the user's sockets told why; the grant is consumed last, so a form changes the
 * avatar once at most. On an outage the upload and its claimed grant are kept for the retried event.
 */
export async function processUpload(deps: AvatarDeps, userId: string, uploadId: string, landing: UploadLanding): Promise<UploadOutcome> {
  const key = uploadKey(userId, uploadId);
  const bytes = await deps.objects.read(key, AVATAR_RULES.maxBytes);
  if (bytes === 'missing') {
    // A retried event whose work is done, but maybe not the grant's removal.
    await deps.uploadGrants.consume(uploadId, landing);
    return 'missing';
  }
  if (!(await deps.uploadGrants.claim(userId, uploadId, landing))) {
    await deps.objects.delete(key);
    return 'not-granted';
  }
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
  await deps.uploadGrants.consume(uploadId, landing);
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
    if (error.code === 'account_gone') return { outcome: 'user-gone' };
    return { outcome: 'rejected', reason: Object.values(error.fields).join('; ') };
  }
}
