/**
 * The documentation site (built by `npm run docs:build` into dist/docs, served at /docs by the `docs`
 * function): which files it may serve and how. Shared by the builder and the function, so the page's own
 * Content-Security-Policy (a <meta> tag, for hosting the folder anywhere) and the served header agree.
 */

/** Where `npm run docs:build` writes the site, relative to the project root (the embedded stack serves it). */
export const SITE_FOLDER = 'dist/docs';

/** Flat file names only: a path parameter never holds a "/", and nothing outside the folder is reachable. */
export const SITE_FILE = /^[a-z0-9][a-z0-9.-]*\.(html|yaml|js|css|svg|png)$/;

export const SITE_CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  yaml: 'application/yaml; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/** Files sent as bytes (base64 in the Lambda answer), not as UTF-8 text. */
export const SITE_BINARY = /\.png$/;

export const SITE_CACHE_CONTROL = 'public, max-age=300';

/**
 * Everything the pages load comes from the site itself: nothing from a CDN, ever (the renderer's own
 * attribution badge, an image on a CDN, is blocked by `img-src`). `connect-src` allows WebSockets, for the
 * socket examples run from a page. Inline scripts and styles are how Redoc's static pages are built.
 */
export const SITE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/**
 * The live socket's URL, for the socket console: where a page carries the (empty) `halo-websocket-url` meta
 * tag, the server fills it in. On AWS the WebSocket API is another host than the HTTP API that serves the
 * pages, so the page cannot guess it; left empty (the embedded stack, the compose gateway, a static host),
 * the console uses this host's /ws. The URL is escaped as an attribute value.
 */
export function withWebSocketUrl(html: string, url: string | undefined): string {
  if (!url) return html;
  const value = url.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return html.replace('<meta name="halo-websocket-url" content="">', `<meta name="halo-websocket-url" content="${value}">`);
}

/** The front page when served at `/docs` (no trailing slash): its relative links must resolve under `/docs/`. */
export function withBaseUnder(html: string, folder: string): string {
  return html.replace(/<head>/i, `<head>\n  <base href="${folder}/">`);
}

/**
 * The demo app's files (demo/, built into the site): a real client of the API, so unlike the pages it
 * must reach Halo's API and socket, S3 (the direct upload) and the avatar redirect's S3 target, whose
 * origins differ on every deployment. Scripts stay 'self' only, with no inline script.
 */
export const DEMO_FILE = /^demo\.(html|js|css)$/;
export const DEMO_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: http: https:",
  "connect-src 'self' http: https: ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');
