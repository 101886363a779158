import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, call, postForm, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { openSocket, type TestSocket } from '../support/socket-client';

/**
 * "Every way a session ends closes its sockets", over real HTTP and WebSocket: after /oauth/revoke and after
 * refresh-token reuse, the session's sockets are told why, closed, and get no further event, while the
 * user's other sessions keep theirs. The stack runs without a refresh grace window, so reuse is immediate.
 */
let stack: RunningStack;
let dataDir: string;
const PASSWORD = 'a perfectly fine passphrase';

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'halo-session-sockets-'));
  stack = await startStackProcess({ dataDir, env: { REFRESH_REUSE_GRACE_SECONDS: '0' } });
});
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function login(identifier: string) {
  const reply = await postJson(`${stack.url}/api/login`, { identifier, password: PASSWORD });
  expect(reply.status).toBe(200);
  return reply.json.data as { accessToken: string; refreshToken: string };
}

const ended = (reason: string) => (m: { type: string; data?: { reason?: string } }) => m.type === 'session.ended' && m.data?.reason === reason;

async function changeAvatar(accessToken: string) {
  const form = new FormData();
  form.append('avatar', new Blob([await pngImage(300, 300)]), 'me.png');
  const reply = await call(`${stack.url}/api/user/avatar`, { method: 'POST', headers: bearer(accessToken), body: form });
  expect(reply.status).toBe(200);
  return reply.json.data.avatarUrl as string;
}

describe('a session that ends closes its sockets (embedded stack)', () => {
  let bystander: TestSocket;
  let bystanderToken: string;

  beforeAll(async () => {
    expect((await postJson(`${stack.url}/api/register`, { identifier: 'socket-ender', password: PASSWORD })).status).toBe(201);
    bystanderToken = (await login('socket-ender')).accessToken;
    bystander = await openSocket(stack.websocketUrl, bystanderToken);
  });
  afterAll(() => bystander.close());

  it('after /oauth/revoke: the socket is told "revoked", closed, and gets no later event; another session\'s socket does', async () => {
    const session = await login('socket-ender');
    const socket = await openSocket(stack.websocketUrl, session.accessToken);

    const revoked = await postForm(`${stack.url}/oauth/revoke`, { token: session.refreshToken });
    expect(revoked.status).toBe(200);
    expect(await socket.next(ended('revoked'))).toEqual({ type: 'session.ended', data: { reason: 'revoked' } });
    await socket.closed;
    const seen = socket.messages.length;

    const url = await changeAvatar(bystanderToken);
    await bystander.next((m: { type: string; data?: { avatarUrl?: string } }) => m.type === 'avatar.changed' && m.data?.avatarUrl === url);
    expect(socket.messages.slice(seen)).toEqual([]);
  });

  it('after refresh-token reuse: the socket is told "reused" and closed', async () => {
    const session = await login('socket-ender');
    const socket = await openSocket(stack.websocketUrl, session.accessToken);
    expect((await postJson(`${stack.url}/api/refresh`, { refreshToken: session.refreshToken })).status).toBe(200);
    expect((await postJson(`${stack.url}/api/refresh`, { refreshToken: session.refreshToken })).status).toBe(401);
    expect(await socket.next(ended('reused'))).toEqual({ type: 'session.ended', data: { reason: 'reused' } });
    await socket.closed;
    const seen = socket.messages.length;

    const url = await changeAvatar(bystanderToken);
    await bystander.next((m: { type: string; data?: { avatarUrl?: string } }) => m.type === 'avatar.changed' && m.data?.avatarUrl === url);
    expect(socket.messages.slice(seen)).toEqual([]);
  });

  it('a revocation by another client changes nothing and is refused as RFC 7009 §2.1 says', async () => {
    const session = await login('socket-ender');
    const socket = await openSocket(stack.websocketUrl, session.accessToken);
    const foreign = await postForm(`${stack.url}/oauth/revoke`, { token: session.refreshToken, client_id: 'another-app' });
    expect({ status: foreign.status, error: foreign.json?.error }).toEqual({ status: 400, error: 'invalid_grant' });
    expect((await postJson(`${stack.url}/api/refresh`, { refreshToken: session.refreshToken })).status).toBe(200);
    socket.socket.send(JSON.stringify({ action: 'ping' }));
    expect(await socket.next((m: { type: string }) => m.type === 'pong')).toEqual({ type: 'pong' });
    socket.close();
  });
});
