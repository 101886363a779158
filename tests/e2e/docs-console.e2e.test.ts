import { randomUUID } from 'node:crypto';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium } from '../support/headless-chromium';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { call } from '../support/http';
import { CHROMIUM, needs } from '../support/optional-tools';
import { png } from '../support/test-images';

/**
 * The consoles of the documentation site, driven in Debian's Chromium as a reader would: sign up on the HTTP
 * console (Swagger UI) and have the token taken without copying it, read the profile with it, open the live
 * socket on the WebSocket reference with the same token, upload an avatar from the HTTP console and watch
 * avatar.changed arrive, then ping. Nothing is loaded from another host.
 */

let stack: RunningStack;
beforeAll(async () => {
  stack = await startStackProcess();
});
afterAll(() => stack.stop());

describe('the consoles, as the embedded stack serves them', () => {
  it('serves the console page, Swagger UI and the console scripts under /docs, with the socket URL left to the page', async () => {
    const page = await call(`${stack.url}/docs/console.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    // Locally nothing fills the socket URL in: the page uses its own host's /ws.
    expect(page.text).toContain('<meta name="halo-websocket-url" content="">');
    for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'console.js', 'socket-console.js', 'try-link.js', 'console.css']) {
      expect([file, (await call(`${stack.url}/docs/${file}`)).status]).toEqual([file, 200]);
    }
    const websocket = await call(`${stack.url}/docs/websocket.html`);
    expect(websocket.text).toContain('<script src="socket-console.js" defer></script>');
  });
});

const chromiumBrowser = needs(CHROMIUM, 'the documentation consoles in headless Chromium');

chromiumBrowser.describe('the consoles, in headless Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  const foreign: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium(chromiumBrowser.path);
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  });
  afterAll(() => browser?.close());

  async function open(path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('request', (request) => {
      const url = request.url();
      const local = url.startsWith(`${stack.url}/`) || url.startsWith(stack.url.replace(/^http/, 'ws'));
      if (!local && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
    });
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${path}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`${path}: ${error.message}`));
    const response = await page.goto(`${stack.url}${path}`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    return page;
  }

  /** Swagger UI's block for an operation, opened as a reader opens it; "Try it out" is on from the start. */
  async function operation(page: Page, tag: string, operationId: string) {
    const block = page.locator(`#operations-${tag}-${operationId}`);
    await block.waitFor({ timeout: 15_000 });
    if (!(await block.locator('button.execute').isVisible())) await block.locator('.opblock-summary-control').click();
    await block.locator('button.execute').waitFor({ timeout: 15_000 });
    return block;
  }

  /** Sends the operation and answers the status and body the console shows. */
  async function execute(block: ReturnType<Page['locator']>): Promise<{ status: number; body: string }> {
    await block.locator('button.execute').click();
    const live = block.locator('.live-responses-table .response');
    await live.first().waitFor({ timeout: 30_000 });
    const status = Number((await live.locator('.response-col_status').first().innerText()).trim());
    const body = await live.locator('.response-col_description .microlight, .response-col_description pre').first().innerText();
    return { status, body };
  }

  it('signs up, reads the profile, opens the socket, uploads an avatar and sees avatar.changed, without copying a token', async () => {
    const identifier = `console-${randomUUID().slice(0, 8)}@example.com`;
    const http = await open('/docs/console.html');

    // Every request goes to the server that served the page (not the spec's localhost:3000).
    await http.locator('.servers select').waitFor({ timeout: 15_000 });
    expect(await http.locator('.servers select').inputValue()).toBe(stack.url);

    // Sign up: the example body, with a fresh identifier.
    const register = await operation(http, 'Accounts', 'register');
    await register.locator('textarea.body-param__text').fill(JSON.stringify({ identifier, password: 'correct horse battery staple' }));
    const signedUp = await execute(register);
    expect(signedUp.status).toBe(201);
    expect(JSON.parse(signedUp.body)).toMatchObject({ status: 'success', data: { accessToken: expect.any(String) } });
    // The console took the token: the Authorize button shows the lock closed.
    await http.locator('.auth-wrapper .authorize.locked').waitFor({ timeout: 5_000 });

    // The profile, with the token nobody copied.
    const getUser = await operation(http, 'Profile', 'getUser');
    const profile = await execute(getUser);
    expect(profile.status).toBe(200);
    expect(JSON.parse(profile.body)).toMatchObject({ status: 'success', data: { user: { identifier } } });

    // The socket, on the WebSocket reference in another tab, with the same token.
    const socket = await open('/docs/websocket.html');
    await socket.getByRole('button', { name: 'Live socket console' }).click();
    expect(await socket.locator('#socket-token').inputValue()).toBe(await http.evaluate(() => (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage.getItem('halo.docs.accessToken')));
    await socket.getByRole('button', { name: 'Connect', exact: true }).click();
    await socket.locator('#socket-state[data-state="open"]').waitFor({ timeout: 10_000 });

    // The avatar, as multipart/form-data with a file field.
    const upload = await operation(http, 'Avatars', 'uploadAvatar');
    await upload.locator('input[type="file"]').setInputFiles({ name: 'avatar.png', mimeType: 'image/png', buffer: await png(80, 60) });
    const uploaded = await execute(upload);
    expect(uploaded.status).toBe(200);
    const { data } = JSON.parse(uploaded.body) as { data: { avatarUrl: string } };

    // The event arrives on the socket console, naming the new avatar.
    const event = socket.locator('#socket-log li[data-type="avatar.changed"]');
    await event.waitFor({ timeout: 15_000 });
    expect(await event.innerText()).toContain(data.avatarUrl);

    // And a ping is answered.
    await socket.getByRole('button', { name: 'Send ping', exact: true }).click();
    await socket.locator('#socket-log li[data-type="pong"]').waitFor({ timeout: 10_000 });

    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await Promise.all([socket.close(), http.close()]);
  }, 90_000);

  it('links each route of the Redoc reference to the same route in the console', async () => {
    const reference = await open('/docs/http.html#/avatars/uploadavatar');
    const link = reference.locator('#try-link');
    await link.click();
    await reference.waitForURL(/\/docs\/console\.html#\/Avatars\/uploadAvatar$/);
    await reference.locator('#operations-Avatars-uploadAvatar button.execute').waitFor({ timeout: 15_000 });
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await reference.close();
  }, 60_000);
});
