import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEMO_CONTENT_SECURITY_POLICY,
  DEMO_FILE,
  SITE_BINARY,
  SITE_CONTENT_SECURITY_POLICY,
  SITE_CONTENT_TYPES,
  SITE_FILE,
  withBaseUnder,
  withWebSocketUrl,
} from './site';

export type SitePage =
  | {
      readonly found: true;
      readonly body: string;
      readonly base64: boolean;
      readonly contentType: string;
      /** The page's Content-Security-Policy: the docs pages' own, or the demo app's. */
      readonly contentSecurityPolicy: string;
    }
  | { readonly found: false; readonly problem: Record<string, string> };

export interface SitePageRequest {
  /** The file under /docs/; undefined for the front page (`GET /docs`) and the demo (`GET /demo`). */
  readonly file: string | undefined;
  /** `GET /demo`: the demo app's page, whose script and style are beside it under /docs/. */
  readonly demo?: boolean;
  /** The live socket's URL where it has a host of its own (on AWS), written into the pages that name it. */
  readonly webSocketUrl?: string;
}

/** What reading a name that is not a file of the site fails with (a name over 255 bytes, a folder). */
const NO_SUCH_FILE = new Set(['ENOENT', 'ENAMETOOLONG', 'EISDIR', 'ENOTDIR']);

/**
 * `GET /docs` (the front page), `GET /docs/{file}` and `GET /demo`: a file of the built site (npm run
 * docs:build) in `siteDir`, as it is (images base64-encoded, as a Lambda answer carries bytes), or why there is none.
 */
export async function readSitePage(siteDir: string, request: SitePageRequest): Promise<SitePage> {
  const file = request.demo ? 'demo.html' : (request.file ?? 'index.html');
  if (!SITE_FILE.test(file)) return { found: false, problem: { file: `no such file in the documentation: ${file}` } };
  const base64 = SITE_BINARY.test(file);
  let body: string;
  try {
    body = base64 ? (await readFile(join(siteDir, file))).toString('base64') : await readFile(join(siteDir, file), 'utf8');
  } catch (error) {
    if (!NO_SUCH_FILE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    const built = await readFile(join(siteDir, 'index.html')).then(
      () => true,
      () => false,
    );
    return {
      found: false,
      problem: built ? { file: `no such file in the documentation: ${file}` } : { docs: 'the documentation site is not built: run npm run docs:build' },
    };
  }
  const extension = file.slice(file.lastIndexOf('.') + 1);
  if (extension === 'html') body = withWebSocketUrl(body, request.webSocketUrl);
  return {
    found: true,
    base64,
    contentType: SITE_CONTENT_TYPES[extension] ?? 'application/octet-stream',
    contentSecurityPolicy: DEMO_FILE.test(file) ? DEMO_CONTENT_SECURITY_POLICY : SITE_CONTENT_SECURITY_POLICY,
    // At /docs and /demo (no trailing slash) the page's relative links would resolve against "/".
    body: request.file === undefined ? withBaseUnder(body, 'docs') : body,
  };
}
