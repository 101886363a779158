import { refresh } from '#lib/accounts/refresh';
import { jsendRoute } from './common/http-route';
import { jsonBody, validate } from './common/request-body';
import { refreshSchema } from './common/request-schemas';
import { success } from './common/responses';
import { refreshingSessionDeps } from './common/runtime/refreshing-sessions';

export const handler = jsendRoute(async (event) => {
  const input = validate(refreshSchema, jsonBody(event));
  return success(await refresh(refreshingSessionDeps, input));
});
