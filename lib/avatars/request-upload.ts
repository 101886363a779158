import type { SessionDeps } from '../accounts/account-deps';
import { authenticate } from '../accounts/authenticate';
import type { PresignedUpload } from './avatar-objects';
import { issueUpload, type UploadFormDeps } from './issue-upload';

export interface UploadRequestDeps {
  readonly session: SessionDeps;
  readonly uploads: UploadFormDeps;
}

/** `POST /api/user/avatar/upload`: a direct-to-S3 upload form for the caller (lib/avatars/issue-upload.ts). */
export async function requestUpload(deps: UploadRequestDeps, accessToken: string): Promise<PresignedUpload> {
  const { user } = await authenticate(deps.session, accessToken);
  return issueUpload(deps.uploads, user.id);
}
