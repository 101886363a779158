import { authenticate } from '../lib/accounts/authenticate';
import { toUserView } from '../lib/accounts/user-view';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { accountDeps } from './common/runtime/accounts';

export const handler = jsendRoute(async (event) => {
  const { user } = await authenticate(accountDeps, bearerToken(event));
  return success({ user: toUserView(user, accountDeps.settings.publicBaseUrl) });
});
