import { listSessions } from '#lib/accounts/list-sessions';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { sessionDeps } from './common/runtime/sessions';

export const handler = jsendRoute(async (event) => success(await listSessions(sessionDeps, bearerToken(event))));
