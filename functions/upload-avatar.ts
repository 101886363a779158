import { changeAvatar } from '#lib/avatars/change-avatar';
import { avatarBytes } from './common/avatar-body';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { changeAvatarDeps } from './common/runtime/avatar-changes';

export const handler = jsendRoute(async (event) => success(await changeAvatar(changeAvatarDeps, bearerToken(event), () => avatarBytes(event))));
