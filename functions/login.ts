import { signIn } from '#lib/accounts/sign-in';
import { jsendRoute } from './common/http-route';
import { jsonBody, validate } from './common/request-body';
import { credentialsSchema } from './common/request-schemas';
import { success } from './common/responses';
import { signInDeps } from './common/runtime/accounts';

export const handler = jsendRoute(async (event) => {
  const input = validate(credentialsSchema, jsonBody(event));
  // sourceIp is API Gateway's TCP peer, not a header a client could set.
  const { user, tokens } = await signIn(signInDeps, input, event.requestContext.http.sourceIp);
  return success({ user, ...tokens });
});
