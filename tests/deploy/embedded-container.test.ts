import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createSmoke, runSmoke } from '#deploy/smoke-steps';
import { loadCompose } from './compose-file';
import { bearer, call, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';

/**
 * The plain container (docker-compose.embedded.yml) without Docker: local/start.ts run with the very
 * environment the compose file gives the container, only with free ports for the fixed ones and a temp
 * folder for the volume. Publishing a port maps it one to one here, so a client on this machine is where
 * a browser on the Docker host would be: it must get an issuer, presigned POSTs and avatar redirects that
 * name the published ports on localhost, and S3 must answer there.
 */
const container = loadCompose(new Map(), 'docker-compose.embedded.yml').services.halo;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** The first socket message of `type`, or a failure after 30 s. */
function nextMessage(socket: WebSocket, type: string): Promise<{ type: string; data: Record<string, string> }> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ${type} within 30 s`)), 30_000);
    socket.on('message', (raw: Buffer) => {
      const message = JSON.parse(raw.toString()) as { type: string; data: Record<string, string> };
      if (message.type === type) {
        clearTimeout(timer);
        done(message);
      }
    });
  });
}

let stack: RunningStack;
let publicUrl: string;
let s3PublicEndpoint: string;
let dataDir: string;

beforeAll(async () => {
  const [port, s3Port] = [await freePort(), await freePort()];
  publicUrl = `http://localhost:${port}`;
  s3PublicEndpoint = `http://localhost:${s3Port}`;
  dataDir = await mkdtemp(join(tmpdir(), 'halo-container-'));
  stack = await startStackProcess({
    env: {
      ...container?.environment,
      PORT: String(port),
      S3_PORT: String(s3Port),
      PUBLIC_URL: publicUrl,
      S3_PUBLIC_ENDPOINT: s3PublicEndpoint,
      DATA_DIR: dataDir,
    },
  });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the embedded stack with the plain container’s settings (docker-compose.embedded.yml)', () => {
  it('runs with the compose file’s HOST, and prints the published URLs, not its own addresses', () => {
    expect(container?.environment?.HOST).toBe('0.0.0.0');
    expect(stack.url).toBe(publicUrl);
    expect(stack.s3Endpoint).toBe(s3PublicEndpoint);
  });

  it('passes the smoke check as a client outside the container: issuer, sign-up, socket, avatar event, S3 redirect, docs, deletion', async () => {
    const smoke = createSmoke({ baseUrl: publicUrl, publicUrl, s3PublicEndpoint, eventTimeoutMs: 30_000 });
    const lines: string[] = [];
    try {
      const failure = await runSmoke(smoke.steps, (line) => lines.push(line));
      expect({ failure, lines }).toEqual({ failure: undefined, lines: expect.any(Array) });
    } finally {
      smoke.close();
    }
  }, 90_000);

  it('hands out a presigned POST that works at the published S3 port, and avatar redirects that S3 serves there', async () => {
    const registered = await postJson(`${publicUrl}/api/register`, { identifier: `container_${Date.now()}`, password: 'a container test password' });
    expect(registered.status).toBe(201);
    const token = registered.json.data.accessToken as string;
    const socket = new WebSocket(`${publicUrl.replace(/^http/, 'ws')}/ws?access_token=${encodeURIComponent(token)}`);
    try {
      await new Promise((opened, failed) => socket.once('open', opened).once('error', failed));
      const changed = nextMessage(socket, 'avatar.changed');

      const presigned = await call(`${publicUrl}/api/user/avatar/upload`, { method: 'POST', headers: bearer(token) });
      expect(presigned.status).toBe(200);
      const { url, fields } = presigned.json.data as { url: string; fields: Record<string, string> };
      expect(url.startsWith(s3PublicEndpoint)).toBe(true);
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append('file', new Blob([await pngImage(120, 120)]), 'me.png');
      expect((await fetch(url, { method: 'POST', body: form })).status).toBe(204);

      const avatarUrl = (await changed).data.avatarUrl ?? '';
      expect(avatarUrl.startsWith(`${publicUrl}/avatars/`)).toBe(true);
      const redirect = await fetch(avatarUrl, { redirect: 'manual' });
      expect(redirect.status).toBe(302);
      const location = redirect.headers.get('location') ?? '';
      expect(location.startsWith(`${s3PublicEndpoint}/`)).toBe(true);
      const image = await fetch(location);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/webp');
    } finally {
      socket.close();
    }
  }, 90_000);
});
