import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { launchChromium } from '../support/headless-chromium';
import { DEMO_FILES, buildDemo } from '#demo/build';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { bearer, call, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { CHROMIUM, needs } from '../support/optional-tools';

/**
 * The demo app (demo/, built on client/) in headless Chromium, served as static files from ANOTHER origin
 * than Halo's (a second local server), pointed at the embedded stack with `?api=` and `&ws=`: sign-up, the
 * profile, both avatar uploads with their preview, the socket's events, a second identifier, signing another device
 * out, a password change, the data download, logout, login by the added identifier with the new password, and
 * deletion.
 * The screenshots docs/getting-started.md shows are taken on the way: into docs/images when
 * HALO_UPDATE_SCREENSHOTS=1, else into a temporary folder.
 */
const chromiumBrowser = needs(CHROMIUM, 'the demo app in headless Chromium, from another origin');

let stack: RunningStack;
beforeAll(async () => {
  stack = await startStackProcess();
});
afterAll(() => stack?.stop());

describe('the demo app, served by Halo', () => {
  it('answers /demo with its page, whose script and style resolve under /docs/', async () => {
    const page = await call(`${stack.url}/demo`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<base href="docs/">');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self' http: https: ws: wss:");
    for (const file of ['demo.js', 'demo.css']) expect([file, (await call(`${stack.url}/docs/${file}`)).status]).toEqual([file, 200]);
  });

  it('serves the guide\'s screenshots byte for byte, as PNG', async () => {
    const reply = await fetch(`${stack.url}/docs/demo-profile.png`);
    expect(reply.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await reply.arrayBuffer()).equals(await readFile(new URL('../../docs/images/demo-profile.png', import.meta.url)))).toBe(true);
  });
});

chromiumBrowser.describe('the demo app in headless Chromium, from another origin', () => {
  let browser: Browser;
  let site: Server;
  let siteDir: string;
  let shots: string;

  beforeAll(async () => {
    siteDir = await mkdtemp(join(tmpdir(), 'halo-demo-site-'));
    await buildDemo(siteDir);
    const files = Object.fromEntries(await Promise.all(DEMO_FILES.map(async (file) => [file, await readFile(join(siteDir, file))] as const)));
    const types: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
    site = createServer((request, response) => {
      const name = new URL(request.url ?? '/', 'http://x').pathname.slice(1) || 'demo.html';
      const body = files[name];
      if (!body) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': types[name.split('.').pop() ?? ''] ?? 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((done) => site.listen(0, '127.0.0.1', done));
    shots = process.env.HALO_UPDATE_SCREENSHOTS === '1' ? new URL('../../docs/images/', import.meta.url).pathname : siteDir;
    browser = await launchChromium(chromiumBrowser.path);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => site?.close(done));
    await rm(siteDir, { recursive: true, force: true });
  });

  it('signs up, shows the profile, uploads an avatar both ways, logs the socket, manages identifiers, devices and the password, downloads the data, logs out and in, and deletes the account', async () => {
    const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    expect(new URL(origin).origin).not.toBe(new URL(stack.url).origin);
    const page = await browser.newPage({ viewport: { width: 760, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
    await page.goto(`${origin}/demo.html?api=${encodeURIComponent(stack.url)}&ws=${encodeURIComponent(stack.websocketUrl)}`);

    await page.fill('input[name=identifier]', 'demo_user');
    await page.fill('input[name=password]', 'a demo passphrase to remember');
    await page.click('button[name=register]');
    await page.waitForSelector('#signed-in:not([hidden])');
    expect(await page.textContent('#identifier')).toBe('demo_user');
    expect(await page.textContent('#identifier-type')).toBe('nickname');
    await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('socket-status').textContent === 'open');

    // Through Halo, with the preview shown first.
    await page.setInputFiles('input[name=image]', { name: 'avatar.png', mimeType: 'image/png', buffer: await pngImage(120, 120) });
    await page.waitForSelector('#preview:not([hidden])');
    await page.click('button[name=through]');
    await page.waitForFunction(() => {
      const image = (globalThis as unknown as { document: { getElementById(id: string): { naturalWidth: number; src: string } } }).document.getElementById('avatar');
      return image.src.includes('/avatars/') && image.naturalWidth > 0;
    });
    // Directly to storage: the socket announces it, the avatar follows.
    await page.setInputFiles('input[name=image]', { name: 'avatar2.png', mimeType: 'image/png', buffer: await pngImage(90, 90) });
    await page.click('button[name=direct]');
    // Both uploads are announced on the socket (the first one too).
    await page.waitForSelector('#log li:has-text("direct upload")', { timeout: 20_000 });
    await page.waitForFunction(() => {
      const { document } = globalThis as unknown as { document: { querySelectorAll(selector: string): { textContent: string | null }[] } };
      return [...document.querySelectorAll('#log li')].filter((item) => item.textContent?.includes('"avatar.changed"')).length >= 2;
    }, undefined, { timeout: 20_000 });
    await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { naturalWidth: number } } }).document.getElementById('avatar').naturalWidth > 0);
    // The direct upload's progress came from XMLHttpRequest's upload events, up to the whole file.
    expect(await page.$eval('#progress', (bar) => (bar as unknown as { value: number }).value)).toBe(1);
    await page.screenshot({ path: join(shots, 'demo-profile.png') });

    // A second identifier, listed beside the first, each removable now that there are two.
    await page.fill('input[name=new-identifier]', 'Demo.User@Example.com');
    await page.click('#identifier-form button');
    await page.waitForSelector('#identifiers li:has-text("demo.user@example.com (email)")');
    expect(await page.$$eval('#identifiers li button', (buttons) => buttons.length)).toBe(2);

    // Another device signs in; this page lists it and signs it out.
    const other = await postJson(`${stack.url}/api/login`, { identifier: 'demo.user@example.com', password: 'a demo passphrase to remember' });
    expect(other.status).toBe(200);
    await page.click('#end-others');
    await page.waitForSelector('#log li:has-text("signed out 1 other device(s)")');
    expect(await page.textContent('#sessions')).toContain('This device');
    expect((await call(`${stack.url}/api/user`, { headers: bearer(other.json.data.accessToken) })).status).toBe(401);

    await page.fill('input[name=current-password]', 'a demo passphrase to remember');
    await page.fill('input[name=new-password]', 'a newer demo passphrase');
    await page.click('#password-form button');
    await page.waitForSelector('#log li:has-text("password changed")');

    // Everything Halo stores, downloaded as a file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const exported = JSON.parse(await readFile(await download.path(), 'utf8')) as { identifiers: { value: string }[]; account: { passwordChangedAt: string | null } };
    expect(exported.identifiers.map((entry) => entry.value)).toEqual(['demo_user', 'demo.user@example.com']);
    expect(exported.account.passwordChangedAt).not.toBeNull();

    await page.click('#logout');
    await page.waitForSelector('#signed-out:not([hidden])');
    await page.fill('input[name=identifier]', 'DEMO.user@example.com');
    await page.fill('input[name=password]', 'a newer demo passphrase');
    await page.click('button[name=login]');
    await page.waitForSelector('#signed-in:not([hidden])');

    await page.click('#delete');
    await page.waitForSelector('#signed-out:not([hidden])');
    await page.waitForSelector('#log li:has-text("user.deleted")');
    await page.screenshot({ path: join(shots, 'demo-deleted.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
