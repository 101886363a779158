import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { buildDemo } from '#demo/build';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Marked } from 'marked';
import { parse as parseYaml } from 'yaml';
import { SITE_CONTENT_SECURITY_POLICY } from '#lib/docs/site';

const run = promisify(execFile);

/**
 * Builds the documentation site: both references rendered by Redoc (through Redocly CLI's `build-docs`,
 * which renders OpenAPI and AsyncAPI alike), the getting-started guide and a front page, plus both
 * specifications and every asset the pages load. Nothing is loaded from a CDN: Redoc's script is the copy
 * inside @redocly/cli, checked against the integrity hash the rendered pages carry.
 *
 * Redoc's free edition only reads; the console beside it is Swagger UI (swagger-ui-dist, its static files
 * served as they are): every route of the same openapi.yaml with "Try it out", one Bearer token for all
 * routes (taken from the sign-up or login answer by docs/site/console.js), multipart file fields. The socket
 * console (docs/site/socket-console.js) sits on the WebSocket reference and the HTTP console.
 *
 *   index.html            front page: every route and socket message at a glance
 *   getting-started.html  docs/getting-started.md
 *   http.html             docs/openapi.yaml, rendered (with a link to the same route in the console)
 *   console.html          docs/openapi.yaml in Swagger UI, to send requests, and the socket console
 *   websocket.html        docs/asyncapi.yaml, rendered, with the socket console
 *   openapi.yaml, asyncapi.yaml, redoc.standalone.js (+ redoc-logo.svg), swagger-ui-bundle.js, swagger-ui.css,
 *   console.js, socket-console.js, try-link.js, console.css, site.css, favicon.svg
 */

export const SOURCES = {
  openapi: 'docs/openapi.yaml',
  asyncapi: 'docs/asyncapi.yaml',
  guide: 'docs/getting-started.md',
  site: 'docs/site',
} as const;

const REDOCLY_CLI = 'node_modules/@redocly/cli';
/** The bundle build-docs references on Redocly's CDN; the CLI ships the very same file. */
const REDOC_SCRIPT = `${REDOCLY_CLI}/lib/chunks/redoc.standalone.js`;
const CDN_SCRIPT = /https:\/\/cdn\.redocly\.com\/redoc\/v[\w.-]+\/bundles\/redoc\.standalone\.js/g;
const STAMP = '.build-stamp';
const SWAGGER_UI = 'node_modules/swagger-ui-dist';
/** The site's own scripts and styles, copied as they are. */
const SITE_ASSETS = ['site.css', 'favicon.svg', 'redoc-logo.svg', 'console.css', 'console.js', 'socket-console.js', 'try-link.js'];

export interface BuildOptions {
  readonly projectRoot: string;
  /** The folder to (re)create; replaced as a whole once the new site is complete. */
  readonly outDir: string;
}

/** A hash of everything the site is built from: when it matches the stamp, the site is current. */
export async function docsInputsHash(projectRoot: string): Promise<string> {
  const hash = createHash('sha256');
  const files = [
    SOURCES.openapi,
    SOURCES.asyncapi,
    SOURCES.guide,
    ...(await readdir(join(projectRoot, SOURCES.site))).sort().map((name) => `${SOURCES.site}/${name}`),
    ...(await readdir(join(projectRoot, 'tools/docs'))).sort().map((name) => `tools/docs/${name}`),
    'lib/docs/site.ts',
    `${REDOCLY_CLI}/package.json`,
    `${SWAGGER_UI}/package.json`,
    ...(await readdir(join(projectRoot, 'demo'))).sort().map((name) => `demo/${name}`),
    ...(await readdir(join(projectRoot, 'docs/images')).catch(() => [])).sort().map((name) => `docs/images/${name}`),
    ...(await readdir(join(projectRoot, 'client/src'))).sort().filter((name) => name.endsWith('.ts')).map((name) => `client/src/${name}`),
    ...(await readdir(join(projectRoot, 'client/src/generated'))).sort().map((name) => `client/src/generated/${name}`),
  ];
  for (const file of files) hash.update(file).update('\0').update(await readFile(join(projectRoot, file))).update('\0');
  return hash.digest('hex');
}

/** Builds the site unless the one in `outDir` was built from exactly the current sources. */
export async function ensureDocsSite(options: BuildOptions): Promise<'current' | 'built'> {
  const expected = await docsInputsHash(options.projectRoot);
  const stamp = await readFile(join(options.outDir, STAMP), 'utf8').catch(() => '');
  if (stamp.trim() === expected) return 'current';
  await buildDocsSite(options);
  return 'built';
}

export async function buildDocsSite({ projectRoot, outDir }: BuildOptions): Promise<void> {
  const inputs = await docsInputsHash(projectRoot);
  // Built beside the target and swapped in whole, so a server never sees half a site, and two builds
  // racing each other (two stacks starting at once) each produce a complete one.
  await mkdir(dirname(outDir), { recursive: true });
  const staging = join(dirname(outDir), `.docs-build-${randomBytes(6).toString('hex')}`);
  await mkdir(staging);
  try {
    const source = (path: string) => join(projectRoot, path);
    const openapi = parseYaml(await readFile(source(SOURCES.openapi), 'utf8')) as OpenApi;
    const asyncapi = parseYaml(await readFile(source(SOURCES.asyncapi), 'utf8')) as AsyncApi;

    await Promise.all([
      renderWithRedoc(projectRoot, SOURCES.openapi, join(staging, 'http.html'), openapi.info.title),
      renderWithRedoc(projectRoot, SOURCES.asyncapi, join(staging, 'websocket.html'), asyncapi.info.title),
    ]);
    const redoc = await readFile(source(REDOC_SCRIPT), 'utf8');
    const script = localiseRedocBadge(redoc);
    const consoleParts: Record<string, (html: string) => string> = {
      'http.html': (html) => withTryLink(html, openapi),
      'websocket.html': withSocketConsole,
    };
    for (const [page, addConsole] of Object.entries(consoleParts)) {
      const path = join(staging, page);
      await writeFile(path, finishPage(addConsole(localiseRedoc(await readFile(path, 'utf8'), sri(redoc), sri(script), page))));
    }
    await writeFile(join(staging, 'console.html'), finishPage(await readFile(source(`${SOURCES.site}/console.html`), 'utf8')));
    await copySwaggerUi(source(SWAGGER_UI), staging);
    await writeFile(join(staging, 'redoc.standalone.js'), script);

    const layout = await readFile(source(`${SOURCES.site}/layout.html`), 'utf8');
    const markdown = siteMarkdown();
    const front = (await readFile(source(`${SOURCES.site}/index.md`), 'utf8'))
      .replace('{{routes}}', routeTable(openapi))
      .replace('{{messages}}', messageTable(asyncapi));
    await writeFile(join(staging, 'index.html'), finishPage(page(layout, 'Halo API documentation', await markdown.parse(front))));
    const guide = await readFile(source(SOURCES.guide), 'utf8');
    const title = /^# (.+)$/m.exec(guide)?.[1] ?? 'Getting started';
    // The guide shows screenshots from docs/images/ (so they show on GitHub too); the site is flat: images/x.png → x.png.
    const guidePage = finishPage(page(layout, `${title} · Halo`, await markdown.parse(guide))).replace(/src="images\//g, 'src="');
    await writeFile(join(staging, 'getting-started.html'), guidePage);
    for (const image of (await readdir(source('docs/images')).catch(() => [])).filter((name) => name.endsWith('.png'))) {
      await copyFile(source(`docs/images/${image}`), join(staging, image));
    }

    await copyFile(source(SOURCES.openapi), join(staging, 'openapi.yaml'));
    await copyFile(source(SOURCES.asyncapi), join(staging, 'asyncapi.yaml'));
    for (const asset of SITE_ASSETS) await copyFile(source(`${SOURCES.site}/${asset}`), join(staging, asset));
    // The demo app (demo/, built on client/): served beside the pages, at /docs/demo.html and /demo.
    await buildDemo(staging);
    await assertSelfContained(staging);
    await writeFile(join(staging, STAMP), `${inputs}\n`);

    const previous = `${staging}-previous`;
    await rename(outDir, previous).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    try {
      await rename(staging, outDir);
    } catch (error) {
      // Another build (a second stack or test run starting at the same moment) put its site in place first:
      // if it was built from the same sources, it is this site.
      const theirs = await readFile(join(outDir, STAMP), 'utf8').catch(() => '');
      if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '') || theirs.trim() !== inputs) throw error;
    }
    await rm(previous, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function renderWithRedoc(projectRoot: string, spec: string, output: string, title: string): Promise<void> {
  try {
    await run(process.execPath, [join(REDOCLY_CLI, 'bin/cli.js'), 'build-docs', spec, '--output', output, '--title', title], {
      cwd: projectRoot,
      // No usage data leaves the machine (and none could: the build works offline).
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`redocly build-docs ${spec} failed:\n${stdout}\n${stderr}`, { cause: error });
  }
}

const sri = (text: string) => `sha384-${createHash('sha384').update(text).digest('base64')}`;

/**
 * Points the page at the site's own copy of Redoc, after checking that the copy in @redocly/cli is the very
 * file the page was built for (its integrity hash), then pins the hash of the copy the site serves.
 */
function localiseRedoc(html: string, shippedIntegrity: string, servedIntegrity: string, page: string): string {
  const references = html.match(CDN_SCRIPT) ?? [];
  if (references.length === 0) throw new Error(`${page}: Redoc's script reference was not found; did @redocly/cli change its output?`);
  const expected = [...html.matchAll(/integrity="(sha384-[^"]+)"/g)].map((match) => match[1]);
  if (expected.length === 0 || expected.some((hash) => hash !== shippedIntegrity)) {
    throw new Error(`${page}: ${REDOC_SCRIPT} (${shippedIntegrity}) is not the script the page was built for (${expected.join(', ') || 'no integrity hash'})`);
  }
  return html.replace(CDN_SCRIPT, './redoc.standalone.js').replaceAll(`integrity="${shippedIntegrity}"`, `integrity="${servedIntegrity}"`);
}

/** Redoc's "API docs by Redocly" badge loads its logo from Redocly's CDN; the site serves its own. */
const BADGE_LOGOS = /https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(-full)?\.svg/g;

function localiseRedocBadge(script: string): string {
  const found = script.match(BADGE_LOGOS) ?? [];
  if (found.length === 0) throw new Error(`${REDOC_SCRIPT}: the badge logo URLs were not found; check what else it loads`);
  const local = script.replace(BADGE_LOGOS, (_url, full: string | undefined) => (full ? 'redoc-logo.svg' : 'favicon.svg'));
  if (/https:\/\/cdn\.redoc\.ly\//.test(local)) throw new Error(`${REDOC_SCRIPT} loads another file from cdn.redoc.ly`);
  return local;
}

/**
 * Swagger UI's bundle and stylesheet, as swagger-ui-dist ships them, less the source-map reference (the map
 * is not served). Checked for what it could load from elsewhere: only the online validator, which
 * docs/site/console.js turns off.
 */
async function copySwaggerUi(folder: string, staging: string): Promise<void> {
  for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
    const text = (await readFile(join(folder, file), 'utf8')).replace(/\n?\/[/*]# sourceMappingURL=[^\n]*$/, '');
    await writeFile(join(staging, file), text);
  }
}

/** The name Redoc's page and the console read the socket's URL from (functions/docs.ts fills it in on AWS). */
const SOCKET_URL_META = '<meta name="halo-websocket-url" content="">';

/** The socket console, as a drawer on the WebSocket reference. */
function withSocketConsole(html: string): string {
  return inHead(html, `${SOCKET_URL_META}\n  <link rel="stylesheet" href="console.css">`).replace(/<\/body>/i, '<script src="socket-console.js" defer></script>\n</body>');
}

/**
 * A "Try it" link on the HTTP reference, pointing at the operation in view in the console: Redoc's anchors
 * (`#/avatars/uploadavatar`) mapped to Swagger UI's deep links (`#/Avatars/uploadAvatar`).
 */
function withTryLink(html: string, spec: OpenApi): string {
  const links = Object.fromEntries(
    Object.values(spec.paths).flatMap((item) =>
      HTTP_METHODS.filter((method) => item[method]).map((method) => {
        const operation = item[method] as OpenApi['paths'][string][string];
        return [redocAnchor(operation.tags?.[0] ?? '', operation.operationId), consoleAnchor(operation.tags?.[0] ?? '', operation.operationId)];
      }),
    ),
  );
  const link = `<a id="try-link" class="try-link" href="console.html" data-links="${escapeHtml(JSON.stringify(links))}">Try it in the console →</a>`;
  return inHead(html, '<link rel="stylesheet" href="console.css">').replace(/<\/body>/i, `${link}\n<script src="try-link.js" defer></script>\n</body>`);
}

function inHead(html: string, tags: string): string {
  const end = /<\/head>/i.exec(html);
  if (!end) throw new Error('a page without </head>');
  return `${html.slice(0, end.index)}  ${tags}\n${html.slice(end.index)}`;
}

/** The same Content-Security-Policy the docs function sends, as a tag, so any static host enforces it too. */
function finishPage(html: string): string {
  const head = [
    `<meta http-equiv="Content-Security-Policy" content="${SITE_CONTENT_SECURITY_POLICY}">`,
    '<link rel="icon" href="favicon.svg" type="image/svg+xml">',
  ].join('\n  ');
  // Right after the charset declaration (which must come first), before any script the policy governs.
  const anchor = /<meta charset=[^>]*>/i.exec(html) ?? /<head>/i.exec(html);
  if (!anchor) throw new Error('a page without <head>');
  const at = anchor.index + anchor[0].length;
  return `${html.slice(0, at)}\n  ${head}${html.slice(at)}`;
}

/** Every script, stylesheet and image of every page comes from the site (a CDN would fail offline). */
async function assertSelfContained(folder: string): Promise<void> {
  for (const name of await readdir(folder)) {
    if (!/\.(html|css)$/.test(name)) continue;
    const text = await readFile(join(folder, name), 'utf8');
    const loaded = [
      ...text.matchAll(/<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']((?:https?:)?\/\/[^"']+)/gi),
      ...text.matchAll(/url\(\s*["']?((?:https?:)?\/\/[^"')]+)/gi),
    ].map((match) => match[1]);
    if (text.includes('cdn.redocly.com')) loaded.push('cdn.redocly.com');
    if (loaded.length > 0) throw new Error(`${name} loads something from another host: ${loaded.join(', ')}`);
  }
}

function page(layout: string, title: string, content: string): string {
  return layout.replace('{{title}}', escapeHtml(title)).replace('{{content}}', content);
}

/** Markdown as on GitHub; links to the specifications' files go to their rendered pages instead. */
function siteMarkdown(): Marked {
  const rendered: Record<string, string> = { 'openapi.yaml': 'http.html', 'asyncapi.yaml': 'websocket.html', 'getting-started.md': 'getting-started.html' };
  return new Marked({
    gfm: true,
    walkTokens(token) {
      if (token.type === 'link') {
        const [file = '', anchor] = token.href.split('#');
        if (rendered[file]) token.href = `${rendered[file]}${anchor ? `#${anchor}` : ''}`;
      }
    },
  });
}

interface OpenApi {
  info: { title: string };
  paths: Record<string, Record<string, { operationId: string; summary: string; tags?: string[]; security?: unknown[] }>>;
}

interface AsyncApi {
  info: { title: string };
  operations: Record<
    string,
    { action: 'send' | 'receive'; title?: string; summary?: string; messages: { $ref: string }[]; reply?: { messages?: { $ref: string }[] } }
  >;
  components: { messages: Record<string, { name: string; summary?: string }> };
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Redoc's own anchor for an operation: `#/<tag>/<operationId>`, both slugged. */
const redocAnchor = (tag: string, operationId: string) => `#/${slug(tag)}/${slug(operationId)}`;
const slug = (text: string) => text.toLowerCase().replace(/\s+/g, '-');
/** Swagger UI's deep link to an operation: `#/<tag>/<operationId>`, spaces as underscores. */
const consoleAnchor = (tag: string, operationId: string) => `#/${encodeURIComponent(tag.replace(/\s/g, '_'))}/${encodeURIComponent(operationId)}`;

function routeTable(spec: OpenApi): string {
  const rows = Object.entries(spec.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => {
      const operation = item[method] as OpenApi['paths'][string][string];
      const auth = (operation.security ?? []).length > 0 ? 'Bearer token' : 'none';
      const tag = operation.tags?.[0] ?? '';
      const href = `http.html${redocAnchor(tag, operation.operationId)}`;
      const tryIt = `<a class="try" href="console.html${consoleAnchor(tag, operation.operationId)}">try it</a>`;
      return `<tr><td class="method ${method}">${method.toUpperCase()}</td><td><a href="${href}"><code>${escapeHtml(path)}</code></a></td><td>${inline(operation.summary)}</td><td>${auth}</td><td>${tryIt}</td></tr>`;
    }),
  );
  return `<table class="routes"><thead><tr><th>method</th><th>path</th><th>what it does</th><th>auth</th><th></th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function messageTable(spec: AsyncApi): string {
  const messageOf = (ref: string) => spec.components.messages[ref.split('/').pop() ?? ''];
  const row = (action: 'send' | 'receive', ref: { $ref: string }, fallback = '') => {
    const message = messageOf(ref.$ref);
    // Operations are written from Halo's side: what Halo sends, the client receives.
    const direction = action === 'send' ? 'Halo → client' : 'client → Halo';
    return `<tr><td class="method ${action}">${direction}</td><td><code>${escapeHtml(message?.name ?? '?')}</code></td><td>${inline(message?.summary ?? fallback)}</td></tr>`;
  };
  const rows = Object.values(spec.operations).flatMap((operation) => [
    ...operation.messages.map((ref) => row(operation.action, ref, operation.summary)),
    // A reply goes the other way.
    ...(operation.reply?.messages ?? []).map((ref) => row(operation.action === 'send' ? 'receive' : 'send', ref)),
  ]);
  return `<table class="messages"><thead><tr><th>direction</th><th>message</th><th>meaning</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A summary from a spec: plain text with `code` spans. */
const inline = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
