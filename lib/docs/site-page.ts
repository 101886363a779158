import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SITE_CONTENT_TYPES, SITE_FILE, withBaseUnder } from './site';

export type SitePage =
  | { readonly found: true; readonly body: string; readonly contentType: string }
  | { readonly found: false; readonly problem: Record<string, string> };

/** What reading a name that is not a file of the site fails with (a name over 255 bytes, a folder). */
const NO_SUCH_FILE = new Set(['ENOENT', 'ENAMETOOLONG', 'EISDIR', 'ENOTDIR']);

/**
 * `GET /docs` (the front page, `file` undefined) and `GET /docs/{file}`: a file of the built site (npm run
 * docs:build) in `siteDir`, as it is, or why there is none.
 */
export async function readSitePage(siteDir: string, requested: string | undefined): Promise<SitePage> {
  const file = requested ?? 'index.html';
  if (!SITE_FILE.test(file)) return { found: false, problem: { file: `no such file in the documentation: ${file}` } };
  let body: string;
  try {
    body = await readFile(join(siteDir, file), 'utf8');
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
  return {
    found: true,
    contentType: SITE_CONTENT_TYPES[extension] ?? 'application/octet-stream',
    // At /docs (no trailing slash) the front page's relative links would resolve against "/".
    body: requested === undefined ? withBaseUnder(body, 'docs') : body,
  };
}
