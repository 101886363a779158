import type { Context } from 'aws-lambda';
import { docsSiteDirectory } from '#lib/config';
import { SITE_CACHE_CONTROL, SITE_CONTENT_SECURITY_POLICY } from '#lib/docs/site';
import { readSitePage } from '#lib/docs/site-page';
import { jsendError } from './common/error-responses';
import type { HttpEvent, HttpResult } from './common/http-route';
import { logger } from './common/logger';
import { jsend } from './common/responses';
import { withSecurityHeaders } from './common/security-headers';

/** The built site (npm run docs:build): dist/docs locally, docs/ beside the bundle on Lambda. */
const SITE_DIR = docsSiteDirectory();

const notFound = (fields: Record<string, string>) => jsend(404, { status: 'fail', data: fields });

/** Every file of the site, scripts and styles too (a worker script is governed by its own answer's policy). */
const SITE_POLICY = { 'content-security-policy': `${SITE_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'` };

/**
 * `GET /docs` (the front page) and `GET /docs/{file}` (the pages, their assets and both specifications),
 * served from the built site as they are. Not a middy route: the pages need a Content-Security-Policy
 * that lets them run, where the API's own policy forbids everything. The rest of the shared security
 * headers are the API's.
 */
export const handler = async (event: HttpEvent, context: Context): Promise<HttpResult> => withSecurityHeaders(await answer(event, context));

async function answer(event: HttpEvent, context: Context): Promise<HttpResult> {
  try {
    const page = await readSitePage(SITE_DIR, event.pathParameters?.file);
    if (!page.found) return notFound(page.problem);
    return {
      statusCode: 200,
      headers: { 'content-type': page.contentType, 'cache-control': SITE_CACHE_CONTROL, ...SITE_POLICY },
      body: page.body,
    };
  } catch (error) {
    logger().error('documentation request failed', { error: error as Error, route: event.routeKey });
    return jsendError(error, context.awsRequestId);
  }
}
