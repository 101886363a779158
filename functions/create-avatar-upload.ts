import { authenticate } from '#lib/accounts/authenticate';
import { issueUpload } from '#lib/avatars/issue-upload';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { uploadFormDeps } from './common/runtime/avatars';
import { sessionDeps } from './common/runtime/sessions';

export const handler = jsendRoute(async (event) => {
  const { user } = await authenticate(sessionDeps, bearerToken(event));
  return success(await issueUpload(uploadFormDeps, user.id));
});
