import type { Context } from 'aws-lambda';
import { docsSiteDirectory, docsWebSocketUrl } from '#lib/config';
import { SITE_CACHE_CONTROL } from '#lib/docs/site';
import { readSitePage } from '#lib/docs/site-page';
import { jsendError } from './common/error-responses';
import type { HttpEvent, HttpResult } from './common/http-route';
import { logger } from './common/logger';
import { jsend } from './common/responses';
import { withSecurityHeaders } from './common/security-headers';

/** The built site (npm run docs:build): dist/docs locally, docs/ beside the bundle on Lambda. */
const SITE_DIR = docsSiteDirectory();
/** On AWS the socket has a host of its own, which the pages cannot guess (the stack sets WEBSOCKET_URL). */
const WEBSOCKET_URL = docsWebSocketUrl();

const notFound = (fields: Record<string, string>) => jsend(404, { status: 'fail', data: fields });

/**
 * `GET /docs` (the front page), `GET /docs/{file}` (the pages, their assets and both specifications) and
 * `GET /demo` (the demo app), served from the built site as they are. Not a middy route: the pages need a
 * Content-Security-Policy that lets them run, where the API's own policy forbids everything; every file
 * carries one (a worker script is governed by its own answer's policy). The rest of the shared security
 * headers are the API's.
 */
export const handler = async (event: HttpEvent, context: Context): Promise<HttpResult> => withSecurityHeaders(await answer(event, context));

async function answer(event: HttpEvent, context: Context): Promise<HttpResult> {
  try {
    const page = await readSitePage(SITE_DIR, { file: event.pathParameters?.file, demo: event.routeKey === 'GET /demo', webSocketUrl: WEBSOCKET_URL });
    if (!page.found) return notFound(page.problem);
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
  } catch (error) {
    logger().error('documentation request failed', { error: error as Error, route: event.routeKey });
    return jsendError(error, context.awsRequestId);
  }
}
