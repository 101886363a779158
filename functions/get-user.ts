import { authenticate } from '#lib/accounts/authenticate';
import { toUserView } from '#lib/accounts/user-view';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { sessionDeps } from './common/runtime/sessions';

export const handler = jsendRoute(async (event) => {
  const { user } = await authenticate(sessionDeps, bearerToken(event));
  return success({ user: toUserView(user, sessionDeps.settings.publicBaseUrl) });
});
