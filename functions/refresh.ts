import { refresh } from '#lib/accounts/refresh';
import { jsendRoute } from './common/http-route';
import { jsonBody, validate } from './common/request-body';
import { refreshSchema } from './common/request-schemas';
import { success } from './common/responses';
import { endingSessionDeps } from './common/runtime/session-endings';

export const handler = jsendRoute(async (event) => {
  const input = validate(refreshSchema, jsonBody(event));
  return success(await refresh(endingSessionDeps, input));
});
