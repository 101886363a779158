import { getProfile } from '#lib/accounts/get-profile';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { sessionDeps } from './common/runtime/sessions';

export const handler = jsendRoute(async (event) => success(await getProfile(sessionDeps, bearerToken(event))));
