import type { SessionDeps } from '../accounts/account-deps';
import { authenticate } from '../accounts/authenticate';
import { admitUploadForm, type UploadFormThrottle } from '../throttling/upload-form-throttle';
import type { PresignedUpload } from './avatar-objects';
import { issueUpload, type UploadFormDeps } from './issue-upload';

export interface UploadRequestDeps {
  readonly session: SessionDeps;
  readonly uploads: UploadFormDeps;
  /** The per-user limit on asking for forms (docs/design.md, "Abuse limits"). */
  readonly throttle: UploadFormThrottle;
}

/**
 * `POST /api/user/avatar/upload`: a direct-to-S3 upload form for the caller (lib/avatars/issue-upload.ts), within
 * the caller's limit. The caller is authenticated first, so a request without a valid token counts against no one.
 */
export async function requestUpload(deps: UploadRequestDeps, accessToken: string): Promise<PresignedUpload> {
  const { user } = await authenticate(deps.session, accessToken);
  await admitUploadForm(deps.throttle, user.id);
  return issueUpload(deps.uploads, user.id);
}
