import { authenticate } from '#lib/accounts/authenticate';
import { toUserView } from '#lib/accounts/user-view';
import { storeAvatar } from '#lib/avatars/store-avatar';
import { avatarBytes } from './common/avatar-body';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { avatarDeps } from './common/runtime/avatars';
import { sessionDeps } from './common/runtime/sessions';

export const handler = jsendRoute(async (event) => {
  const { user } = await authenticate(sessionDeps, bearerToken(event));
  const { avatarUrl } = await storeAvatar(avatarDeps, user.id, await avatarBytes(event));
  return success({ avatarUrl, user: { ...toUserView(user, sessionDeps.settings.publicBaseUrl), avatarUrl } });
});
