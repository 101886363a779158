import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from '../../tests/support/headless-chromium';
import { startStackProcess, type RunningStack } from '../../tests/support/embedded-stack-process';
import { CHROMIUM, needs } from '../../tests/support/optional-tools';
import { inspect } from '../../tests/support/stack-inspector';
import { waitUntil } from '../../tests/support/wait-until';
import { clientBundle } from './bundle';

/**
 * The client in headless Chromium, from a page on another origin than Halo: what only a browser has
 * (Web Locks shared by the tabs of an origin, localStorage, the browser's own WebSocket).
 */
const chromiumBrowser = needs(CHROMIUM, 'the client library in headless Chromium (two tabs, socket reconnect)');

chromiumBrowser.describe('the client in headless Chromium', () => {
  let stack: RunningStack;
  let site: Server;
  let siteUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let look: ReturnType<typeof inspect>;

  beforeAll(async () => {
    stack = await startStackProcess();
    look = inspect(stack);
    const bundle = await clientBundle();
    site = createServer((request, response) => {
      if (request.url === '/halo-client.js') {
        response.setHeader('content-type', 'text/javascript; charset=utf-8');
        return void response.end(bundle);
      }
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end('<!doctype html><title>app</title><script type="module">import * as Halo from "/halo-client.js"; globalThis.Halo = Halo; globalThis.ready = true;</script>');
    });
    await new Promise<void>((done) => site.listen(0, '127.0.0.1', done));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await launchChromium(chromiumBrowser.path);
    context = await browser.newContext();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => site?.close(done));
    look?.close();
    await stack?.stop();
  });

  /** A tab of the app, with the client loaded, and the Halo requests it makes. */
  async function openTab(): Promise<{ page: Page; requests: string[] }> {
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(stack.url) && request.method() !== 'OPTIONS') requests.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await page.goto(siteUrl);
    await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true);
    return { page, requests };
  }

  /* eslint-disable @typescript-eslint/no-explicit-any -- the page's globals are the bundle's exports, untyped on this side */
  it('two tabs refreshing at once make one refresh between them, and both end with the same token', async () => {
    const first = await openTab();
    const second = await openTab();
    const api = stack.url;
    // Sign in in one tab, with the tokens in localStorage (shared by both tabs).
    await first.page.evaluate(async (baseUrl) => {
      const { HaloClient, localStorageTokenStore } = (globalThis as any).Halo;
      await new HaloClient({ baseUrl, tokenStore: localStorageTokenStore() }).register('two-tabs@example.com', 'a passphrase for two tabs');
    }, api);
    // The stored access token is about to expire (inside the client's 60 s margin), and both tabs ask at once.
    await first.page.evaluate(() => {
      const storage = (globalThis as any).localStorage;
      const tokens = JSON.parse(storage.getItem('halo.tokens'));
      storage.setItem('halo.tokens', JSON.stringify({ ...tokens, expiresAt: Date.now() + 10_000 }));
    });
    const ask = (page: Page) =>
      page.evaluate(async (baseUrl) => {
        const { HaloClient, localStorageTokenStore } = (globalThis as any).Halo;
        const client = new HaloClient({ baseUrl, tokenStore: localStorageTokenStore() });
        const tokens = await Promise.all([client.accessToken(), client.accessToken()]);
        return { tokens, locks: Boolean((globalThis as any).navigator.locks) };
      }, api);
    const [a, b] = await Promise.all([ask(first.page), ask(second.page)]);
    expect(a.locks && b.locks).toBe(true);
    const refreshes = [...first.requests, ...second.requests].filter((request) => request === 'POST /api/refresh');
    expect(refreshes).toHaveLength(1);
    expect(new Set([...a.tokens, ...b.tokens]).size).toBe(1);
    // And the token works.
    const user = await second.page.evaluate(async (baseUrl) => {
      const { HaloClient, localStorageTokenStore } = (globalThis as any).Halo;
      return (await new HaloClient({ baseUrl, tokenStore: localStorageTokenStore() }).getUser()).identifier;
    }, api);
    expect(user).toBe('two-tabs@example.com');
    await first.page.close();
    await second.page.close();
  });

  it('keeps a browser WebSocket (subprotocol auth) and reconnects after the server closes it', async () => {
    const { page } = await openTab();
    const userId: string = await page.evaluate(
      async ([baseUrl, socketUrl]) => {
        const { HaloClient, memoryTokenStore } = (globalThis as any).Halo;
        const client = new HaloClient({ baseUrl, socketUrl, tokenStore: memoryTokenStore() });
        const user = await client.register('browser-socket@example.com', 'a passphrase for sockets');
        const socket = client.connect({ backoffBaseMs: 20, backoffMaxMs: 200 });
        const log: string[] = [];
        socket.on('open', () => log.push('open'));
        socket.on('close', (event: { code: number }) => log.push(`close ${event.code}`));
        socket.on('pong', () => log.push('pong'));
        Object.assign(globalThis, { socket, log });
        await socket.next('open');
        return user.id;
      },
      [stack.url, stack.websocketUrl] as const,
    );
    const connections = async () => (await look.itemsOf(userId)).filter((item) => String(item.pk).startsWith('CONN#'));
    await waitUntil(async () => (await connections()).length === 1);
    const [record] = await connections();
    const management = new ApiGatewayManagementApiClient({ endpoint: stack.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await management.send(new DeleteConnectionCommand({ ConnectionId: String(record?.connectionId) }));
    management.destroy();
    await page.waitForFunction(() => ((globalThis as any).log as string[]).filter((entry) => entry === 'open').length === 2);
    await page.evaluate(async () => {
      const { socket } = globalThis as any;
      const pong = socket.next('pong');
      socket.ping();
      await pong;
      socket.close();
    });
    expect(await page.evaluate(() => (globalThis as any).log)).toEqual(['open', 'close 1000', 'open', 'pong']);
    await page.close();
  });
  /* eslint-enable @typescript-eslint/no-explicit-any */
});
