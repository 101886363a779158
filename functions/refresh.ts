import { refresh } from '#lib/accounts/refresh';
import { jsendRoute } from './common/http-route';
import { jsonBody, validate } from './common/request-body';
import { refreshSchema } from './common/request-schemas';
import { success } from './common/responses';
import { sessionDeps } from './common/runtime/sessions';

export const handler = jsendRoute(async (event) => {
  const input = validate(refreshSchema, jsonBody(event));
  return success(await refresh(sessionDeps, input));
});
