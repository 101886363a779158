import { throttledRegister } from '#lib/throttling/throttled-registration';
import { jsendRoute } from './common/http-route';
import { jsonBody, validate } from './common/request-body';
import { credentialsSchema } from './common/request-schemas';
import { success } from './common/responses';
import { registrationThrottle } from './common/runtime/abuse-limits';
import { accountDeps } from './common/runtime/accounts';

export const handler = jsendRoute(async (event) => {
  const input = validate(credentialsSchema, jsonBody(event));
  const { user, tokens } = await throttledRegister(accountDeps, registrationThrottle, input, event.requestContext.http.sourceIp);
  return success({ user, ...tokens }, 201);
});
