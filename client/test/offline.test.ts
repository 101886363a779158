import { HaloClient, HaloError, memoryTokenStore, type WebSocketLike } from '../src/index';
import { errorFromAnswer } from '../src/errors';

/** The client's own logic, without a server: error shapes, back-off, keep-alive and the refused-handshake path. */
const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name.toLowerCase()] ?? null });
const unsignedJwt = (exp: number) => `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;

describe('errors', () => {
  it('carries the JSend fail fields, the OAuth error, the Bearer challenge and Retry-After', () => {
    expect(errorFromAnswer(400, headers({}), { status: 'fail', data: { identifier: 'is not an email, phone or nickname' } })).toMatchObject({
      status: 400,
      jsend: 'fail',
      fields: { identifier: 'is not an email, phone or nickname' },
      message: 'identifier is not an email, phone or nickname',
    });
    expect(errorFromAnswer(400, headers({}), { error: 'invalid_grant', error_description: 'expired' })).toMatchObject({ oauthError: 'invalid_grant', oauthDescription: 'expired' });
    expect(
      errorFromAnswer(401, headers({ 'www-authenticate': 'Bearer realm="halo", error="invalid_token", error_description="expired"' }), { status: 'fail', data: { authorization: 'x' } }),
    ).toMatchObject({ oauthError: 'invalid_token', isUnauthorized: true });
    expect(errorFromAnswer(429, headers({ 'retry-after': '7' }), { message: 'Too Many Requests' })).toMatchObject({ retryAfterSeconds: 7, message: 'Too Many Requests' });
    expect(errorFromAnswer(500, headers({}), { status: 'error', message: 'Internal error', data: { requestId: 'r-1' } })).toMatchObject({ jsend: 'error', requestId: 'r-1' });
    expect(errorFromAnswer(502, headers({}), undefined)).toBeInstanceOf(HaloError);
  });
});

/** A WebSocket that the test drives: opens, refuses (1006 before open) or closes on command. */
class FakeSocket implements WebSocketLike {
  static made: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.made.push(this);
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  closeFromServer(code: number) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
}

describe('LiveSocket', () => {
  beforeEach(() => {
    FakeSocket.made = [];
  });

  function client(answers: Record<string, { status: number; body?: unknown; headers?: Record<string, string> }>) {
    const requests: string[] = [];
    const halo = new HaloClient({
      baseUrl: 'http://halo.test',
      tokenStore: memoryTokenStore({ accessToken: unsignedJwt(Date.now() / 1000 + 900), refreshToken: 'r', expiresAt: Date.now() + 900_000 }),
      fetch: async (url, init) => {
        const key = `${init.method} ${new URL(url).pathname}`;
        requests.push(key);
        const answer = answers[key] ?? { status: 404 };
        return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status, headers: answer.headers });
      },
    });
    return { halo, requests };
  }
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    if (!condition()) throw new Error('timed out');
  };

  it('sends the token as the halo.bearer subprotocol and pings on its interval', async () => {
    const { halo } = client({});
    const socket = halo.connect({ WebSocket: FakeSocket, pingIntervalMs: 10 });
    await until(() => FakeSocket.made.length === 1);
    const [fake] = FakeSocket.made;
    expect(fake?.protocols).toEqual(['halo.bearer', (await halo.tokenStore.get())?.accessToken]);
    fake?.open();
    await until(() => (fake?.sent.length ?? 0) >= 2);
    expect(fake?.sent[0]).toBe('{"action":"ping"}');
    socket.close();
  });

  it('backs off with full jitter, doubling up to the maximum', async () => {
    const { halo } = client({ 'GET /api/user': { status: 200, body: {} } });
    const delays: number[] = [];
    const socket = halo.connect({ WebSocket: FakeSocket, backoffBaseMs: 1, backoffMaxMs: 4, random: () => 0.999 });
    socket.on('close', (event) => delays.push(event.reconnectInMs ?? -1));
    for (let attempt = 1; attempt <= 4; attempt++) {
      await until(() => FakeSocket.made.length === attempt);
      FakeSocket.made[attempt - 1]?.closeFromServer(1006);
      await until(() => delays.length === attempt);
    }
    expect(delays).toEqual([0, 1, 3, 3]); // floor(0.999 × min(4, 1 × 2^n))
    socket.close();
  });

  it('after a refused handshake, asks Halo why: 401 → refresh then reconnect; 429 → wait Retry-After', async () => {
    const tokens = { accessToken: unsignedJwt(Date.now() / 1000 + 900), refreshToken: 'r2', tokenType: 'Bearer', expiresIn: 900 };
    const refused = client({ 'GET /api/user': { status: 401, body: { status: 'fail', data: { authorization: 'revoked' } } }, 'POST /api/refresh': { status: 200, body: { status: 'success', data: tokens } } });
    const first = refused.halo.connect({ WebSocket: FakeSocket, backoffBaseMs: 1 });
    const closed = first.next('close');
    await until(() => FakeSocket.made.length === 1);
    FakeSocket.made[0]?.closeFromServer(1006);
    expect(await closed).toMatchObject({ why: 'the token was refused: refreshed it' });
    await until(() => FakeSocket.made.length === 2);
    expect(FakeSocket.made[1]?.protocols[1]).toBe(tokens.accessToken);
    expect(refused.requests).toEqual(['GET /api/user', 'POST /api/refresh']);
    first.close();

    const throttled = client({ 'GET /api/user': { status: 429, body: { message: 'Too Many Requests' }, headers: { 'retry-after': '2' } } });
    const second = throttled.halo.connect({ WebSocket: FakeSocket, backoffBaseMs: 1 });
    const waited = second.next('close');
    await until(() => FakeSocket.made.length === 3);
    FakeSocket.made[2]?.closeFromServer(1006);
    expect(await waited).toMatchObject({ why: 'throttled (429)', reconnectInMs: 2000 });
    second.close();
  });

  it('stops for good when the refresh token is refused too', async () => {
    const { halo } = client({ 'GET /api/user': { status: 401, body: { status: 'fail', data: { authorization: 'revoked' } } }, 'POST /api/refresh': { status: 401, body: { status: 'fail', data: { refreshToken: 'revoked' } } } });
    const socket = halo.connect({ WebSocket: FakeSocket, backoffBaseMs: 1 });
    const ended = socket.next('ended');
    await until(() => FakeSocket.made.length === 1);
    FakeSocket.made[0]?.closeFromServer(1006);
    expect(await ended).toEqual({ reason: 'the session is over: sign in again' });
    expect(await halo.isSignedIn()).toBe(false);
  });
});
