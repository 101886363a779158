import { addIdentifier } from '#lib/accounts/add-identifier';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { jsonBody, validate } from './common/request-body';
import { identifierSchema } from './common/request-schemas';
import { success } from './common/responses';
import { identifierChangeDeps } from './common/runtime/identifier-changes';

/** 201 with the account's identifiers when added; 200 when the account already had this very one (a retry). */
export const handler = jsendRoute(async (event) => {
  const body = () => validate(identifierSchema, jsonBody(event)).identifier;
  const { user, created } = await addIdentifier(identifierChangeDeps, bearerToken(event), body);
  return success({ user }, created ? 201 : 200);
});
