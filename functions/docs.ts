import { docsSiteDirectory, docsWebSocketUrl } from '#lib/config';
import { SITE_CACHE_CONTROL } from '#lib/docs/site';
import { readSitePage } from '#lib/docs/site-page';
import { HaloError } from '#lib/errors';
import { jsendRoute } from './common/http-route';

/** The built site (npm run docs:build): dist/docs locally, docs/ beside the bundle on Lambda. */
const SITE_DIR = docsSiteDirectory();
/** On AWS the socket has a host of its own, which the pages cannot guess (the stack sets WEBSOCKET_URL). */
const WEBSOCKET_URL = docsWebSocketUrl();

/**
 * `GET /docs` (the front page), `GET /docs/{file}` (the pages, their assets and both specifications) and
 * `GET /demo` (the demo app), served from the built site as they are. A JSend route like the others for its
 * errors (a missing page is a `fail`, anything else the one error answer); a page carries its own
 * Content-Security-Policy, which lets it run where the API's own policy forbids everything (a header the route
 * sets wins over the shared set; a worker script is governed by its own answer's policy).
 */
export const handler = jsendRoute(async (event) => {
  const page = await readSitePage(SITE_DIR, { file: event.pathParameters?.file, demo: event.routeKey === 'GET /demo', webSocketUrl: WEBSOCKET_URL });
  if (!page.found) throw new HaloError('not_found', page.problem);
  return {
    statusCode: 200,
    headers: {
      'content-type': page.contentType,
      'cache-control': SITE_CACHE_CONTROL,
      'content-security-policy': `${page.contentSecurityPolicy}; frame-ancestors 'none'`,
    },
    body: page.body,
    ...(page.base64 ? { isBase64Encoded: true } : {}),
  };
});
