import { signUp } from '#lib/accounts/sign-up';
import { jsendRoute } from './common/http-route';
import { jsonBody, validate } from './common/request-body';
import { credentialsSchema } from './common/request-schemas';
import { success } from './common/responses';
import { signUpDeps } from './common/runtime/accounts';

export const handler = jsendRoute(async (event) => {
  const input = validate(credentialsSchema, jsonBody(event));
  const { user, tokens } = await signUp(signUpDeps, input, event.requestContext.http.sourceIp);
  return success({ user, ...tokens }, 201);
});
