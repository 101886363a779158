import { register } from '../lib/accounts/register';
import { jsendRoute } from './common/http-route';
import { jsonBody, validate } from './common/request-body';
import { credentialsSchema } from './common/request-schemas';
import { success } from './common/responses';
import { accountDeps } from './common/runtime/accounts';

export const handler = jsendRoute(async (event) => {
  const input = validate(credentialsSchema, jsonBody(event));
  const { user, tokens } = await register(accountDeps, input);
  return success({ user, ...tokens }, 201);
});
