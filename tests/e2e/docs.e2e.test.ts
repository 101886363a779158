import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/headless-chromium';
import { parse as parseYaml } from 'yaml';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { call } from '../support/http';
import { CHROMIUM, needs } from '../support/optional-tools';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const source = (path: string) => readFileSync(resolve(PROJECT_ROOT, path), 'utf8');
interface OpenApiOperation {
  operationId: string;
  summary: string;
  tags: string[];
}
const openapi = parseYaml(source('docs/openapi.yaml')) as { paths: Record<string, Record<string, OpenApiOperation>> };
const asyncapi = parseYaml(source('docs/asyncapi.yaml')) as {
  operations: Record<string, { title: string }>;
  components: { messages: Record<string, { name: string; title: string }> };
};
const OPERATIONS = Object.entries(openapi.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, ...operation })),
);
/** Redoc's anchor for an operation (the front page links to them the same way). */
const anchorOf = ({ tags, operationId }: OpenApiOperation) => `#/${tags[0]?.toLowerCase().replace(/\s+/g, '-')}/${operationId.toLowerCase()}`;

let stack: RunningStack;
beforeAll(async () => {
  stack = await startStackProcess();
});
afterAll(() => stack.stop());

/** Relative links and sources of an HTML page (fragments, other sites and `mailto:` left out). */
const localLinks = (html: string) =>
  [...new Set([...html.replace(/<base [^>]*>/, '').matchAll(/\b(?:href|src)="([^"#:]+)(?:#[^"]*)?"/g)].map((match) => match[1] ?? ''))].filter((link) => link && !link.startsWith('/'));

describe('the documentation site, served by the embedded stack at /docs', () => {
  it('serves the front page at /docs, and everything it links to resolves under /docs/', async () => {
    const front = await call(`${stack.url}/docs`);
    expect(front.status).toBe(200);
    expect(front.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(front.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(front.text).toContain('<base href="docs/">');
    const links = localLinks(front.text);
    expect(links).toEqual(expect.arrayContaining(['getting-started.html', 'http.html', 'websocket.html', 'openapi.yaml', 'asyncapi.yaml', 'site.css']));
    for (const link of links) expect([link, (await call(`${stack.url}/docs/${link}`)).status]).toEqual([link, 200]);
  });

  it('serves both specifications exactly as they are in docs/', async () => {
    for (const file of ['openapi.yaml', 'asyncapi.yaml']) {
      const reply = await call(`${stack.url}/docs/${file}`);
      expect(reply.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
      expect(reply.text).toBe(source(`docs/${file}`));
    }
  });

  it('serves the renderer itself, the very script the pages pin by hash', async () => {
    const page = await call(`${stack.url}/docs/http.html`);
    const script = await call(`${stack.url}/docs/redoc.standalone.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const integrity = `sha384-${createHash('sha384').update(script.text).digest('base64')}`;
    expect(page.text).toContain(`integrity="${integrity}"`);
    expect(page.text).not.toMatch(/https:\/\/cdn\./);
  });

  it.each(['nothing.html', 'nothing', '.build-stamp', '..%2Fpackage.json', 'openapi.json'])('answers a JSend 404 for %s', async (file) => {
    const reply = await call(`${stack.url}/docs/${file}`);
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({ status: 'fail', data: { file: expect.stringMatching(/^no such file in the documentation/) } });
  });
});

// ---------------------------------------------------------------------------------------------------
// The rendered pages, in a real browser: Debian's Chromium, driven by playwright-core, with no network.

// Without Chromium these tests are skipped and the run ends saying how to install it (tests/support/optional-tools.ts).
const chromiumBrowser = needs(CHROMIUM, 'the documentation pages in headless Chromium');

chromiumBrowser.describe('the documentation pages, in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium(chromiumBrowser.path);
  });
  afterAll(() => browser?.close());

  /**
   * The page's globals, typed just enough for the functions run in it (the project compiles without the
   * DOM library). Functions, not strings: the pages' Content-Security-Policy forbids evaluating strings.
   * They are sent to the page as source, so they may use nothing from this module.
   */
  interface InPage {
    document: { querySelectorAll(selector: string): Iterable<{ textContent: string | null; getBoundingClientRect(): { top: number } }> };
    location: { hash: string };
  }

  /** Opens a page and watches it: every request it makes and every error it reports. */
  async function open(path: string): Promise<{ page: Page; foreign: string[]; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const foreign: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${stack.url}/`) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
    });
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(`${stack.url}${path}`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    return { page, foreign, errors };
  }

  /** Waits until a heading with this text is at the top of the window, where navigating to it puts it. */
  const headingInView = (page: Page, text: string) =>
    page.waitForFunction(
      (wanted) => [...(globalThis as unknown as InPage).document.querySelectorAll('h1, h2')].some((h) => h.textContent === wanted && Math.abs(h.getBoundingClientRect().top) < 400),
      text,
      { timeout: 5_000 },
    );

  it('renders every route of docs/openapi.yaml on the HTTP reference, loading nothing from elsewhere', async () => {
    const { page, foreign, errors } = await open('/docs/http.html');
    // Each operation through Redoc's own navigation (which only works once its script has run).
    for (const operation of OPERATIONS) {
      await page.evaluate((hash) => ((globalThis as unknown as InPage).location.hash = hash), anchorOf(operation));
      await headingInView(page, operation.summary);
      expect(await page.innerText('body')).toContain(operation.path);
    }
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('renders every operation and message of docs/asyncapi.yaml, the close codes, limits and reconnect advice on the WebSocket reference', async () => {
    const { page, foreign, errors } = await open('/docs/websocket.html');
    for (const section of ['Connect and authenticate', 'Limits', 'Close codes', 'Reconnect advice']) {
      await page.getByRole('link', { name: section, exact: true }).first().click();
      await headingInView(page, section);
    }
    await page.getByText('Live socket', { exact: true }).first().click();
    await headingInView(page, 'Live socket');
    const menu = await page.innerText('body');
    for (const { title } of Object.values(asyncapi.operations)) expect(menu).toContain(title);
    // The channel's messages are a drop-down: every documented message is one of its choices.
    const messages = Object.values(asyncapi.components.messages);
    await page.getByText(messages[0]?.title ?? '', { exact: true }).first().click();
    for (const { title } of messages) expect(await page.getByText(title, { exact: true }).count()).toBeGreaterThan(0);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists every route on the front page, each linked to its place in the reference', async () => {
    const { page, foreign, errors } = await open('/docs');
    const rows = await page.$$eval('table.routes tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).innerText.split('\t').slice(0, 2).join(' ')));
    expect(rows).toEqual(OPERATIONS.map(({ method, path }) => `${method} ${path}`));

    await page.getByRole('link', { name: '/api/user/avatar', exact: true }).click();
    await page.waitForURL(/\/docs\/http\.html#\/avatars\/uploadavatar$/);
    await headingInView(page, 'Upload an avatar');
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('renders the getting-started guide with its commands', async () => {
    const { page, foreign, errors } = await open('/docs/getting-started.html');
    expect(await page.title()).toBe('Getting started with Halo · Halo');
    const commands = await page.$$eval('pre code', (blocks) => blocks.map((block) => block.textContent ?? ''));
    expect(commands.some((command) => command.includes('npm start'))).toBe(true);
    expect(commands.some((command) => command.includes('-X DELETE http://localhost:3000/api/user'))).toBe(true);
    expect(await page.$$('pre button.copy')).toHaveLength(commands.length);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
