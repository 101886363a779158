import { HaloError } from '#lib/errors';
import { allowedMethods } from '#infra/route-matching';
import { jsendRoute } from './common/http-route';
import { jsend } from './common/responses';

/** The `$default` route: a JSend 405 (with `Allow`) when the path exists under another method, 404 otherwise. */
export const handler = jsendRoute(async (event) => {
  const { method, path } = event.requestContext.http;
  const allow = allowedMethods(path).join(', ');
  if (allow) {
    return jsend(405, { status: 'fail', data: { method: `${method} is not allowed here; use ${allow}` } }, { allow });
  }
  throw new HaloError('not_found', { route: `no route for ${method} ${path}` });
});
