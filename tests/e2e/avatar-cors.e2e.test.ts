import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser } from 'playwright-core';
import { launchChromium } from '../support/headless-chromium';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { bearer, call, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { CHROMIUM, needs } from '../support/optional-tools';

/**
 * One avatar URL used by a page on another origin three ways, in the order that used to break: a plain
 * <img> (no Origin header, so no CORS answer), then an <img crossorigin> drawn on a canvas, then fetch().
 * Chromium caches the redirect (max-age 60) and the S3 object (a year): a cached answer made for a request
 * without Origin must never be reused for a CORS request. The avatar redirect says `Vary: Origin`, and a
 * CORS request is redirected to its own presigned URL, so each kind has its own cache entries on both legs.
 */
const chromiumBrowser = needs(CHROMIUM, 'the avatar URL used cross-origin in headless Chromium');

chromiumBrowser.describe('an avatar URL on a page of another origin (headless Chromium)', () => {
  let stack: RunningStack;
  let browser: Browser;
  let page: Server;
  let pageOrigin: string;

  beforeAll(async () => {
    stack = await startStackProcess();
    page = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end('<!doctype html><title>another origin</title><body></body>');
    });
    await new Promise<void>((done) => page.listen(0, '127.0.0.1', done));
    pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    browser = await launchChromium(chromiumBrowser.path);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => page?.close(done));
    await stack?.stop();
  });

  /** The page's globals, typed just enough for the functions run in it (the project compiles without the DOM library). */
  interface Img {
    crossOrigin: string | null;
    src: string;
    naturalWidth: number;
    onload: (() => void) | null;
    onerror: (() => void) | null;
  }
  interface InPage {
    document: {
      createElement(tag: 'img'): Img;
      createElement(tag: 'canvas'): { getContext(kind: '2d'): { drawImage(image: Img, x: number, y: number): void }; toDataURL(): string };
      body: { append(node: unknown): void };
    };
  }

  it('shows it in an <img>, then in an <img crossorigin> drawn on a canvas, then fetch()es it: all succeed', async () => {
    const registered = await postJson(`${stack.url}/api/register`, { identifier: 'cors-avatar@example.com', password: 'a sound passphrase for cors' });
    const upload = await call(`${stack.url}/api/user/avatar`, {
      method: 'POST',
      headers: { ...bearer(registered.json.data.accessToken), 'content-type': 'image/png' },
      body: await pngImage(40, 30),
    });
    expect(upload.status).toBe(200);
    const avatarUrl: string = upload.json.data.avatarUrl;

    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
    await tab.goto(`${pageOrigin}/`);

    const loadImage = (url: string, crossOrigin: boolean) =>
      tab.evaluate(
        ([src, cors]) =>
          new Promise<{ width: number; canvas?: string; error?: string }>((resolve) => {
            const { document } = globalThis as unknown as InPage;
            const image = document.createElement('img');
            if (cors) image.crossOrigin = 'anonymous';
            image.onload = () => {
              if (!cors) return resolve({ width: image.naturalWidth });
              try {
                const canvas = document.createElement('canvas');
                canvas.getContext('2d').drawImage(image, 0, 0);
                resolve({ width: image.naturalWidth, canvas: canvas.toDataURL().slice(0, 22) }); // throws on a tainted canvas
              } catch (error) {
                resolve({ width: image.naturalWidth, error: String(error) });
              }
            };
            image.onerror = () => resolve({ width: 0, error: 'the image did not load' });
            image.src = src;
            document.body.append(image);
          }),
        [url, crossOrigin] as const,
      );

    expect(await loadImage(avatarUrl, false)).toEqual({ width: 40 });
    expect(await loadImage(avatarUrl, true)).toEqual({ width: 40, canvas: 'data:image/png;base64,' });
    const fetched = await tab.evaluate(async (url) => {
      try {
        const reply = await fetch(url);
        return { status: reply.status, type: reply.headers.get('content-type'), bytes: (await reply.arrayBuffer()).byteLength };
      } catch (error) {
        return { error: String(error) };
      }
    }, avatarUrl);
    expect(fetched).toEqual({ status: 200, type: 'image/webp', bytes: expect.any(Number) });
    expect(errors).toEqual([]);
  });

  it('answers the redirect with Vary: Origin, and a CORS request is sent to a presigned URL of its own', async () => {
    const registered = await postJson(`${stack.url}/api/register`, { identifier: 'cors-vary@example.com', password: 'a sound passphrase for cors' });
    const upload = await call(`${stack.url}/api/user/avatar`, {
      method: 'POST',
      headers: { ...bearer(registered.json.data.accessToken), 'content-type': 'image/png' },
      body: await pngImage(20, 20),
    });
    const avatarUrl: string = upload.json.data.avatarUrl;
    const plain = await call(avatarUrl, { redirect: 'manual' });
    const cors = await call(avatarUrl, { redirect: 'manual', headers: { origin: pageOrigin } });
    expect(plain.headers.get('vary')).toBe('origin');
    expect(cors.headers.get('vary')).toBe('origin');
    const plainTarget = new URL(plain.headers.get('location') ?? '');
    const corsTarget = new URL(cors.headers.get('location') ?? '');
    expect(corsTarget.pathname).toBe(plainTarget.pathname);
    expect(corsTarget.search).not.toBe(plainTarget.search);
    // The S3 leg answers CORS for the CORS request (plain fetch: S3's answers are not Halo's to hold to the contract).
    const object = await fetch(corsTarget.href, { headers: { origin: pageOrigin } });
    expect({ status: object.status, allowOrigin: object.headers.get('access-control-allow-origin') }).toEqual({ status: 200, allowOrigin: '*' });
  });
});
