import { changePassword } from '#lib/accounts/change-password';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { jsonBody, validate } from './common/request-body';
import { passwordChangeSchema } from './common/request-schemas';
import { success } from './common/responses';
import { passwordChangeDeps } from './common/runtime/password-changes';

export const handler = jsendRoute(async (event) => {
  const input = () => validate(passwordChangeSchema, jsonBody(event));
  // sourceIp is API Gateway's TCP peer, as at login: the back-off counts the same source.
  return success(await changePassword(passwordChangeDeps, bearerToken(event), input, event.requestContext.http.sourceIp));
});
