import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { docsSiteDirectory } from '#lib/config';
import { SITE_CACHE_CONTROL, SITE_CONTENT_SECURITY_POLICY, SITE_CONTENT_TYPES, SITE_FILE, withBaseUnder } from '#lib/docs/site';
import { jsendError } from './common/error-responses';
import type { HttpEvent, HttpResult } from './common/http-route';
import { logger } from './common/logger';
import { jsend } from './common/responses';
import { withSecurityHeaders } from './common/security-headers';

/** The built site (npm run docs:build): dist/docs locally, docs/ beside the bundle on Lambda. */
const SITE_DIR = docsSiteDirectory();

const notFound = (fields: Record<string, string>) => jsend(404, { status: 'fail', data: fields });

/** What reading a name that is not a file of the site fails with (a name over 255 bytes, a folder). */
const NO_SUCH_FILE = new Set(['ENOENT', 'ENAMETOOLONG', 'EISDIR', 'ENOTDIR']);

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
    const file = event.pathParameters?.file ?? 'index.html';
    if (!SITE_FILE.test(file)) return notFound({ file: `no such file in the documentation: ${file}` });
    let body: string;
    try {
      body = await readFile(join(SITE_DIR, file), 'utf8');
    } catch (error) {
      if (!NO_SUCH_FILE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      const built = await readFile(join(SITE_DIR, 'index.html')).then(
        () => true,
        () => false,
      );
      return notFound(
        built ? { file: `no such file in the documentation: ${file}` } : { docs: 'the documentation site is not built: run npm run docs:build' },
      );
    }
    const extension = file.slice(file.lastIndexOf('.') + 1);
    return {
      statusCode: 200,
      headers: {
        'content-type': SITE_CONTENT_TYPES[extension] ?? 'application/octet-stream',
        'cache-control': SITE_CACHE_CONTROL,
        ...SITE_POLICY,
      },
      // At /docs (no trailing slash) the front page's relative links would resolve against "/".
      body: event.pathParameters?.file === undefined ? withBaseUnder(body, 'docs') : body,
    };
  } catch (error) {
    logger().error('documentation request failed', { error: error as Error, route: event.routeKey });
    return jsendError(error, context.awsRequestId);
  }
}
