import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { docsWebSocketUrl } from '#lib/config';
import { withWebSocketUrl } from '#lib/docs/site';
import { PROJECT_ROOT } from '#infra/constructs/halo-function';
import { httpEvent } from '#tests/support/http-event';

const EMPTY_META = '<meta name="halo-websocket-url" content="">';
const DEPLOYED = 'wss://abc123.execute-api.eu-west-1.amazonaws.com/live';

describe('docsWebSocketUrl: the socket console\'s address on AWS', () => {
  it('is WEBSOCKET_URL when it is a ws:// or wss:// URL', () => {
    expect(docsWebSocketUrl({ WEBSOCKET_URL: DEPLOYED })).toBe(DEPLOYED);
    expect(docsWebSocketUrl({ WEBSOCKET_URL: ' ws://localhost:3000/ws ' })).toBe('ws://localhost:3000/ws');
  });

  it.each([undefined, '', 'not a url', 'https://abc123.execute-api.eu-west-1.amazonaws.com/live', 'javascript:alert(1)'])('is undefined for %p (the page then uses its own host\'s /ws)', (value) => {
    expect(docsWebSocketUrl({ WEBSOCKET_URL: value })).toBeUndefined();
  });
});

describe('withWebSocketUrl', () => {
  it('fills the empty meta tag in, escaped as an attribute', () => {
    expect(withWebSocketUrl(`<head>${EMPTY_META}</head>`, DEPLOYED)).toBe(`<head><meta name="halo-websocket-url" content="${DEPLOYED}"></head>`);
    expect(withWebSocketUrl(EMPTY_META, 'wss://x.test/a?b="c"&d')).toBe('<meta name="halo-websocket-url" content="wss://x.test/a?b=&#34;c&#34;&#38;d">');
  });

  it('leaves the page as it is without a URL', () => {
    expect(withWebSocketUrl(EMPTY_META, undefined)).toBe(EMPTY_META);
  });
});

describe('the docs function, deployed with WEBSOCKET_URL', () => {
  const site = mkdtempSync(join(tmpdir(), 'halo-docs-'));
  afterAll(() => rmSync(site, { recursive: true, force: true }));

  it('writes the socket URL into the pages it serves, and into nothing else', async () => {
    writeFileSync(join(site, 'console.html'), `<html><head>${EMPTY_META}</head></html>`);
    writeFileSync(join(site, 'index.html'), '<html><head></head></html>');
    writeFileSync(join(site, 'socket-console.js'), `// ${EMPTY_META}`);
    process.env.DOCS_DIR = site;
    process.env.WEBSOCKET_URL = DEPLOYED;
    // Imported after the environment is set: the function reads its settings at cold start.
    const { handler } = await import('#functions/docs');
    const get = (file: string) =>
      handler({ ...httpEvent({ method: 'GET', path: `/docs/${file}` }), pathParameters: { file } }, { awsRequestId: 'request-1' } as Context);

    const page = await get('console.html');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<meta name="halo-websocket-url" content="${DEPLOYED}">`);
    expect((await get('socket-console.js')).body).toBe(`// ${EMPTY_META}`);
  });

  it('the demo page carries the tag too, so /demo on AWS opens the stack\'s socket', () => {
    expect(readFileSync(join(PROJECT_ROOT, 'demo/index.html'), 'utf8')).toContain(EMPTY_META);
    expect(readFileSync(join(PROJECT_ROOT, 'demo/demo.ts'), 'utf8')).toContain('meta[name="halo-websocket-url"]');
  });
});
