import { removeIdentifier } from '#lib/accounts/remove-identifier';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { validate } from './common/request-body';
import { identifierPathSchema } from './common/request-schemas';
import { success } from './common/responses';
import { identifierChangeDeps } from './common/runtime/identifier-changes';

/** The identifier arrives URL-encoded in the path; API Gateway hands it over decoded (`pathParameters`). */
export const handler = jsendRoute(async (event) => {
  const token = bearerToken(event);
  const { identifier } = validate(identifierPathSchema, event.pathParameters ?? {});
  return success(await removeIdentifier(identifierChangeDeps, token, identifier));
});
