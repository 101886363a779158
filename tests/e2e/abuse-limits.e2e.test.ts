import { request } from 'node:http';
import WebSocket from 'ws';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { call, postForm, postJson } from '../support/http';
import { openSocket, type TestSocket } from '../support/socket-client';
import { waitUntil } from '../support/wait-until';

/**
 * The abuse limits over real HTTP and a real WebSocket handshake, on a stack with small explicit limits
 * (the defaults' 30-second first wait would make the back-off slow to watch). The stack listens on
 * 127.0.0.1; requests sent from 127.0.0.2 come from another source, as another network would.
 */
const LIMITS = {
  LOGIN_FREE_FAILURES: '3',
  LOGIN_BACKOFF_BASE_SECONDS: '2',
  LOGIN_BACKOFF_MAX_SECONDS: '8',
  LOGIN_FAILURE_MEMORY_SECONDS: '60',
  REGISTRATIONS_PER_SOURCE: '4',
  SOCKETS_PER_USER: '2',
  UPLOAD_FORMS_PER_USER: '2',
};
const PASSWORD = 'correct horse battery staple';
const WRONG = 'not the password at all';

let stack: RunningStack;
beforeAll(async () => {
  stack = await startStackProcess({ limits: 'real', env: LIMITS });
});
afterAll(() => stack.stop());

/**
 * The back-off's Retry-After: 2 s from the last failure (LOGIN_BACKOFF_BASE_SECONDS), rounded up from what is
 * left of it when the refusal is judged, so 1 when the machine took over a second between the two requests.
 */
const BACKOFF_LEFT = ['1', '2'];
const sleep = (seconds: number) => new Promise((done) => setTimeout(done, seconds * 1000));
const login = (identifier: string, password: string) => postJson(`${stack.url}/api/login`, { identifier, password });
const register = async (identifier: string) => {
  const reply = await postJson(`${stack.url}/api/register`, { identifier, password: PASSWORD });
  expect(reply.status).toBe(201);
  return reply.json.data as { accessToken: string };
};

/** A JSON POST sent from another loopback address: fetch cannot choose its source address, node:http can. */
function postJsonFrom(localAddress: string, url: string, body: unknown): Promise<{ status: number; headers: Record<string, unknown>; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('abuse limits over real HTTP and WebSockets (embedded stack)', () => {
  it('backs off failed logins with 429 and a growing Retry-After, before checking any password', async () => {
    await register('ada@example.com');
    for (let i = 0; i < 3; i++) expect((await login('ada@example.com', WRONG)).status).toBe(401);

    const refused = await login('ada@example.com', WRONG);
    expect(refused.status).toBe(429);
    const left = refused.headers.get('retry-after');
    expect(BACKOFF_LEFT).toContain(left);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(refused.json).toEqual({ status: 'fail', data: { credentials: `too many failed attempts; retry in ${left} seconds` } });
    // The right password is refused alike: nothing is checked while the back-off lasts.
    expect((await login('ada@example.com', PASSWORD)).status).toBe(429);

    await sleep(2);
    expect((await login('ada@example.com', WRONG)).status).toBe(401); // on time: judged, and wrong again
    const longer = await login('ada@example.com', WRONG);
    expect(longer.status).toBe(429);
    expect(Number(longer.headers.get('retry-after'))).toBeGreaterThan(2); // doubled: 4 s from that failure
  });

  it('answers an unknown identifier exactly like a known one', async () => {
    for (let i = 0; i < 3; i++) expect((await login('nobody@example.com', WRONG)).status).toBe(401);
    const refused = await login('nobody@example.com', WRONG);
    expect(refused.status).toBe(429);
    const left = refused.headers.get('retry-after');
    expect(BACKOFF_LEFT).toContain(left);
    expect(refused.json).toEqual({ status: 'fail', data: { credentials: `too many failed attempts; retry in ${left} seconds` } });
  });

  it('throttles the OAuth password grant with the same counts, as a 429 slow_down', async () => {
    await register('grace@example.com');
    for (let i = 0; i < 2; i++) expect((await login('grace@example.com', WRONG)).status).toBe(401);
    const grant = { grant_type: 'password', username: 'grace@example.com', password: WRONG };
    expect((await postForm(`${stack.url}/oauth/token`, grant)).status).toBe(400);

    const refused = await postForm(`${stack.url}/oauth/token`, { ...grant, password: PASSWORD });
    expect(refused.status).toBe(429);
    const left = refused.headers.get('retry-after');
    expect(BACKOFF_LEFT).toContain(left);
    expect(refused.headers.get('pragma')).toBe('no-cache');
    expect(refused.json).toEqual({ error: 'slow_down', error_description: `credentials too many failed attempts; retry in ${left} seconds` });
  });

  it('does not let failures from another network lock the real user out', async () => {
    await register('hopper@example.com');
    const attack = () => postJsonFrom('127.0.0.2', `${stack.url}/api/login`, { identifier: 'hopper@example.com', password: WRONG });
    for (let i = 0; i < 3; i++) expect((await attack()).status).toBe(401);
    const attacker = await attack();
    expect(attacker.status).toBe(429);
    expect(BACKOFF_LEFT).toContain(attacker.headers['retry-after']);

    const user = await login('hopper@example.com', PASSWORD);
    expect(user.status).toBe(200);
    expect(user.json.data.user.identifier).toBe('hopper@example.com');
  });

  it('refuses a user’s socket past the cap with 429 in the handshake, and takes one again once a socket closes', async () => {
    const { accessToken } = await register('sockets@example.com');
    const first: TestSocket = await openSocket(stack.websocketUrl, accessToken);
    const second = await openSocket(stack.websocketUrl, accessToken);

    await expect(openSocket(stack.websocketUrl, accessToken)).rejects.toMatchObject({ status: 429 });

    first.close();
    await first.closed;
    let third: TestSocket | undefined;
    // $disconnect removes the record just after the close; poll the handshake until the slot is free.
    await waitUntil(async () => {
      third = await openSocket(stack.websocketUrl, accessToken).catch((error: { status?: number }) => {
        if (error.status !== 429) throw error;
        return undefined;
      });
      return third !== undefined;
    });
    expect(third?.socket.readyState).toBe(WebSocket.OPEN);
    second.close();
    third?.close();
  });

  it('limits upload forms per account with 429 and Retry-After, before any form is signed, leaving other accounts alone', async () => {
    const ask = (token: string) => call(`${stack.url}/api/user/avatar/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const { accessToken } = await postJson(`${stack.url}/api/login`, { identifier: 'hopper@example.com', password: PASSWORD }).then((reply) => reply.json.data as { accessToken: string });
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await ask(accessToken)).status);
    expect(statuses).toEqual([200, 200]);
    const refused = await ask(accessToken);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.json).toEqual({ status: 'fail', data: { requests: `too many upload forms for this account; retry in ${retryAfter} seconds` } });

    // Counted per account: another account still gets its forms. (Both log in from this network; no sign-up is spent.)
    const other = await postJson(`${stack.url}/api/login`, { identifier: 'sockets@example.com', password: PASSWORD });
    expect((await ask(other.json.data.accessToken as string)).status).toBe(200);
  });

  it('limits sign-ups per network per window with 429 and Retry-After, leaving other networks alone', async () => {
    // Four sign-ups from 127.0.0.1 so far (ada, grace, hopper, sockets): the window is full.
    const refused = await postJson(`${stack.url}/api/register`, { identifier: 'spam@example.com', password: PASSWORD });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.json).toEqual({ status: 'fail', data: { requests: `too many sign-ups from this network; retry in ${retryAfter} seconds` } });

    const elsewhere = await postJsonFrom('127.0.0.2', `${stack.url}/api/register`, { identifier: 'spam@example.com', password: PASSWORD });
    expect(elsewhere.status).toBe(201);
    expect((await call(`${stack.url}/api/user`, { headers: { authorization: `Bearer ${elsewhere.json.data.accessToken}` } })).status).toBe(200);
  });
});
