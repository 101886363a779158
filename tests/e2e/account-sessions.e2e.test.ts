import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, call, postForm, postJson } from '../support/http';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { openSocket, type TestSocket } from '../support/socket-client';

/**
 * Issue 14's "Done when" for sessions, over real HTTP and WebSocket against the embedded stack: after a password
 * change another device's access token answers 401, its refresh fails (both refresh endpoints), its socket is told
 * `session.ended` and closes, while the caller's tokens still work and the old password fails; ending one session
 * by id does the same; the list shows what the user expects. And issue 17's cap: past MAX_SESSIONS_PER_USER (3
 * here) a login ends the oldest session.
 */
let stack: RunningStack;
let dataDir: string;
const PASSWORD = 'a perfectly fine passphrase';
const NEW_PASSWORD = 'an even finer passphrase 2026';

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'halo-account-sessions-'));
  stack = await startStackProcess({ dataDir, env: { MAX_SESSIONS_PER_USER: '3' } });
});
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

interface Device {
  readonly accessToken: string;
  readonly refreshToken: string;
}

async function login(identifier: string, password = PASSWORD): Promise<Device> {
  const reply = await postJson(`${stack.url}/api/login`, { identifier, password });
  expect(reply.status).toBe(200);
  return reply.json.data as Device;
}

async function register(identifier: string): Promise<Device> {
  const reply = await postJson(`${stack.url}/api/register`, { identifier, password: PASSWORD });
  expect(reply.status).toBe(201);
  return reply.json.data as Device;
}

const getUser = (device: Device) => call(`${stack.url}/api/user`, { headers: bearer(device.accessToken) });
const listSessions = async (device: Device) => {
  const reply = await call(`${stack.url}/api/user/sessions`, { headers: bearer(device.accessToken) });
  expect(reply.status).toBe(200);
  return reply.json.data.sessions as { id: string; clientId: string; createdAt: string; lastUsedAt: string; endsAt: string; current: boolean }[];
};
const currentSessionId = async (device: Device) => (await listSessions(device)).find((s) => s.current)?.id ?? '';
const endSession = (device: Device, sessionId: string) =>
  call(`${stack.url}/api/user/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE', headers: bearer(device.accessToken) });
const changePassword = (device: Device, currentPassword: string, newPassword: string) =>
  postJson(`${stack.url}/api/user/password`, { currentPassword, newPassword }, bearer(device.accessToken));
const ended = (reason: string) => (m: { type: string; data?: { reason?: string } }) => m.type === 'session.ended' && m.data?.reason === reason;
const pong = async (socket: TestSocket) => {
  const since = socket.messages.length;
  socket.socket.send(JSON.stringify({ action: 'ping' }));
  return socket.next((m: { type: string }) => m.type === 'pong' || m.type === 'session.ended', since);
};

describe('signing devices out (embedded stack)', () => {
  it('lists the sessions: one per login, the caller marked, nothing secret', async () => {
    const first = await register('session-lister');
    const second = await login('session-lister');
    const sessions = await listSessions(second);
    expect(sessions).toHaveLength(2);
    expect(sessions.map((s) => s.current)).toEqual([true, false]);
    for (const session of sessions) {
      expect(Object.keys(session).sort()).toEqual(['clientId', 'createdAt', 'current', 'endsAt', 'id', 'lastUsedAt']);
      expect(session.clientId).toBe('halo-public-client');
    }
    const text = JSON.stringify(sessions);
    for (const secret of [first.refreshToken, second.refreshToken, first.accessToken]) expect(text).not.toContain(secret);
    expect(sessions[1]?.id).toBe(await currentSessionId(first));
  });

  it('DELETE /api/user/sessions/{id}: that device\'s tokens die at once, its socket is told "signed_out" and closes', async () => {
    await register('session-ender');
    const laptop = await login('session-ender');
    const phone = await login('session-ender');
    const phoneSocket = await openSocket(stack.websocketUrl, phone.accessToken);
    const laptopSocket = await openSocket(stack.websocketUrl, laptop.accessToken);
    const phoneId = await currentSessionId(phone);

    expect((await endSession(laptop, phoneId)).json).toEqual({ status: 'success', data: null });
    expect(await phoneSocket.next(ended('signed_out'))).toEqual({ type: 'session.ended', data: { reason: 'signed_out' } });
    await phoneSocket.closed;
    expect((await getUser(phone)).status).toBe(401);
    expect((await postJson(`${stack.url}/api/refresh`, { refreshToken: phone.refreshToken })).status).toBe(401);
    const grant = await postForm(`${stack.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: phone.refreshToken });
    expect({ status: grant.status, error: grant.json?.error }).toEqual({ status: 400, error: 'invalid_grant' });

    expect((await getUser(laptop)).status).toBe(200);
    expect(await pong(laptopSocket)).toEqual({ type: 'pong' });
    expect((await listSessions(laptop)).map((s) => s.id)).not.toContain(phoneId);
    // Ended already, unknown, or not this user's: the same 404.
    expect((await endSession(laptop, phoneId)).status).toBe(404);
    expect((await endSession(laptop, 'no-such-session')).json).toEqual({ status: 'fail', data: { sessionId: 'is not a live session of this account' } });
    laptopSocket.close();
  });

  it('DELETE /api/user/sessions ends every session but the caller\'s', async () => {
    const first = await register('session-sweeper');
    const second = await login('session-sweeper');
    const reply = await call(`${stack.url}/api/user/sessions`, { method: 'DELETE', headers: bearer(second.accessToken) });
    expect(reply.json).toEqual({ status: 'success', data: { endedSessions: 1 } });
    expect((await getUser(first)).status).toBe(401);
    expect((await listSessions(second)).map((s) => s.current)).toEqual([true]);
  });
});

describe('changing the password (embedded stack)', () => {
  it('ends every other device at once, keeps the caller signed in, and the old password fails', async () => {
    await register('password-changer');
    const laptop = await login('password-changer');
    // Another device, signed in through the OAuth password grant with its own client id.
    const grant = await postForm(`${stack.url}/oauth/token`, { grant_type: 'password', username: 'password-changer', password: PASSWORD, client_id: 'tablet-app' });
    expect(grant.status).toBe(200);
    const tablet = { accessToken: grant.json.access_token as string, refreshToken: grant.json.refresh_token as string };
    const tabletSocket = await openSocket(stack.websocketUrl, tablet.accessToken);
    const laptopSocket = await openSocket(stack.websocketUrl, laptop.accessToken);

    const changed = await changePassword(laptop, PASSWORD, NEW_PASSWORD);
    expect(changed.status).toBe(200);
    expect(changed.json.data.endedSessions).toBe(2);

    expect(await tabletSocket.next(ended('password_changed'))).toEqual({ type: 'session.ended', data: { reason: 'password_changed' } });
    await tabletSocket.closed;
    expect(await laptopSocket.next((m: { type: string }) => m.type === 'password.changed')).toEqual({
      type: 'password.changed',
      data: { changedAt: expect.any(String) },
    });
    expect((await getUser(tablet)).status).toBe(401);
    const refreshed = await postForm(`${stack.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tablet.refreshToken, client_id: 'tablet-app' });
    expect({ status: refreshed.status, error: refreshed.json?.error }).toEqual({ status: 400, error: 'invalid_grant' });
    // RFC 7009: revoking a token of an ended session is still a 200, and changes nothing.
    expect((await postForm(`${stack.url}/oauth/revoke`, { token: tablet.refreshToken, client_id: 'tablet-app' })).status).toBe(200);

    // The caller's tokens still work, its refresh too.
    expect((await getUser(laptop)).status).toBe(200);
    const renewed = await postJson(`${stack.url}/api/refresh`, { refreshToken: laptop.refreshToken });
    expect(renewed.status).toBe(200);
    expect(await pong(laptopSocket)).toEqual({ type: 'pong' });
    expect((await listSessions(laptop)).map((s) => s.current)).toEqual([true]);

    expect((await postJson(`${stack.url}/api/login`, { identifier: 'password-changer', password: PASSWORD })).status).toBe(401);
    await login('password-changer', NEW_PASSWORD);
    laptopSocket.close();
  });

  it('refuses a wrong current password (403) and a weak new one (400), changing nothing', async () => {
    const device = await register('password-keeper');
    const wrong = await changePassword(device, 'not the password at all', NEW_PASSWORD);
    expect({ status: wrong.status, body: wrong.json }).toEqual({ status: 403, body: { status: 'fail', data: { currentPassword: 'is wrong' } } });
    const weak = await changePassword(device, PASSWORD, 'password');
    expect(weak.status).toBe(400);
    expect(Object.keys(weak.json.data)).toEqual(['newPassword']);
    await login('password-keeper');
  });
});

describe('the cap on sessions per user (MAX_SESSIONS_PER_USER=3)', () => {
  it('a login past the cap ends the oldest session; its socket is told "session_limit" and closed', async () => {
    const oldest = await register('session-capped');
    const oldestSocket = await openSocket(stack.websocketUrl, oldest.accessToken);
    const second = await login('session-capped');
    const third = await login('session-capped');
    expect((await getUser(oldest)).status).toBe(200);

    const fourth = await login('session-capped');
    expect((await getUser(oldest)).status).toBe(401);
    expect((await postJson(`${stack.url}/api/refresh`, { refreshToken: oldest.refreshToken })).status).toBe(401);
    // Login's function holds no @connections grant: the socket learns at its next ping (or delivery).
    expect(await pong(oldestSocket)).toEqual({ type: 'session.ended', data: { reason: 'session_limit' } });
    await oldestSocket.closed;
    for (const device of [second, third, fourth]) expect((await getUser(device)).status).toBe(200);
    expect(await listSessions(fourth)).toHaveLength(3);
  });
});
