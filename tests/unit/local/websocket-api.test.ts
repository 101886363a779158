import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { WEBSOCKET_STAGE_NAME, type FunctionSpec } from '#infra/catalog';
import { clfTime } from '#local/aws-formats';
import { THROTTLED_BODY, tokenBucket, type TokenBucket } from '#local/stage-throttle';
import { WEBSOCKET_LIMITS, websocketApi, type WebSocketRoute } from '#local/websocket-api';
import { ManualClock } from '#tests/support/manual-clock';
import { waitUntil } from '#tests/support/wait-until';

/**
 * The local WebSocket API against a recording invoker, with a clock that moves only when told, so that the
 * idle timeout (10 minutes) and the connection limit (2 hours) are tested without waiting for them.
 */
const fn = (name: string): FunctionSpec => ({ name, description: name, routes: [], access: {} });
const ROUTES = new Map<string, WebSocketRoute>([
  ['$connect', { fn: fn('ws-connect'), returnResponse: false }],
  ['$disconnect', { fn: fn('ws-disconnect'), returnResponse: false }],
  ['$default', { fn: fn('ws-message'), returnResponse: true }],
  ['ping', { fn: fn('ws-message'), returnResponse: true }],
]);
// 12 March 2026, 19:03:58.123 UTC.
const T0 = Date.UTC(2026, 2, 12, 19, 3, 58, 123);
const MINUTE = 60_000;
const AWS_ID = /^[A-Za-z0-9+/]{15}=$/;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Event = any;
interface Invocation {
  readonly fn: string;
  readonly event: Event;
}

const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

async function startApi({
  throttle,
  clock = new ManualClock(T0),
  held,
}: { throttle?: (clock: ManualClock) => TokenBucket; clock?: ManualClock; held?: Promise<void> } = {}) {
  const invocations: Invocation[] = [];
  const api = websocketApi({
    routes: ROUTES,
    publicHost: 'localhost:3000',
    clock,
    throttle: throttle?.(clock),
    invoke: async (spec, event) => {
      invocations.push({ fn: spec.name, event });
      const { routeKey, connectionId } = (event as Event).requestContext;
      if (routeKey === 'ping') return { statusCode: 200, body: JSON.stringify({ type: 'pong' }) };
      if (routeKey === '$default' && held) await held;
      if (routeKey === '$default') return { statusCode: 200, body: JSON.stringify({ type: 'echo', bytes: String((event as Event).body).length, connectionId }) };
      return { statusCode: 200 };
    },
  });
  const server = createServer();
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => void api.upgrade(req, socket, head));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  running.push(async () => {
    api.close();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });
  const of = (routeKey: string) => invocations.filter(({ event }) => event.requestContext.routeKey === routeKey).map(({ event }) => event);
  const invoked = async (routeKey: string, count = 1) => {
    await waitUntil(async () => of(routeKey).length >= count, 5_000);
    return of(routeKey)[count - 1];
  };
  /** `@connections` POST, as the gateway server passes it on. */
  const post = (connectionId: string, data: string) => {
    let status = 0;
    const response = { writeHead: (code: number) => ((status = code), response), end: () => response } as unknown as ServerResponse;
    api.manage({ method: 'POST' } as IncomingMessage, response, connectionId, Buffer.from(data));
    return status;
  };
  return { api, url, clock, invocations, of, invoked, post };
}

interface Client {
  readonly socket: WebSocket;
  readonly received: string[];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Sends and resolves with the next message received. */
  roundTrip(data: string): Promise<string>;
}

async function connect(url: string, query = ''): Promise<Client> {
  const socket = new WebSocket(`${url}${query}`, { headers: { 'User-Agent': 'halo-unit-test' }, perMessageDeflate: false });
  const received: string[] = [];
  const listeners: ((message: string) => void)[] = [];
  socket.on('message', (data: Buffer) => {
    received.push(data.toString());
    listeners.shift()?.(data.toString());
  });
  const closed = new Promise<{ code: number; reason: string }>((done) => socket.once('close', (code: number, reason: Buffer) => done({ code, reason: reason.toString() })));
  await new Promise<void>((done, fail) => {
    socket.once('open', () => done());
    socket.once('unexpected-response', (_req, res) => fail(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode })));
    socket.once('error', fail);
  });
  return {
    socket,
    received,
    closed,
    roundTrip: (data) =>
      new Promise((done) => {
        listeners.push(done);
        socket.send(data);
      }),
  };
}

/** The raw answer to a handshake the gateway refuses. */
function refusal(url: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const socket = new WebSocket(url);
    socket.once('unexpected-response', (_req, res: IncomingMessage) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    socket.once('open', () => fail(new Error('the handshake was accepted')));
    socket.once('error', () => undefined);
  });
}

/**
 * Whether the server still has the socket open: a ping control frame is answered with a pong only by an open
 * socket (one the server has begun to close answers with its close frame instead), and pings are not activity,
 * so asking does not move the idle timeout.
 */
const isOpen = (client: Client): Promise<boolean> =>
  Promise.race([
    new Promise<boolean>((done) => {
      client.socket.once('pong', () => done(true));
      client.socket.ping();
    }),
    client.closed.then(() => false),
  ]);

describe("the local WebSocket API's events, as API Gateway sends them", () => {
  it('gives every event the requestContext of AWS: stage, CLF request time, requestId = extendedRequestId, connectedAt = connect time', async () => {
    const { url, clock, invoked } = await startApi();
    const client = await connect(url, '?color=red&color=blue&id=7');
    const connect_ = await invoked('$connect');
    expect(connect_.requestContext).toEqual({
      routeKey: '$connect',
      eventType: 'CONNECT',
      extendedRequestId: expect.stringMatching(AWS_ID),
      requestTime: '12/Mar/2026:19:03:58 +0000',
      messageDirection: 'IN',
      stage: WEBSOCKET_STAGE_NAME,
      connectedAt: T0,
      requestTimeEpoch: T0,
      identity: { userAgent: 'halo-unit-test', sourceIp: '127.0.0.1' },
      requestId: connect_.requestContext.extendedRequestId,
      domainName: 'localhost:3000',
      connectionId: expect.stringMatching(AWS_ID),
      apiId: expect.any(String),
    });
    // Names as the client spelled them; the hop-by-hop Connection and Upgrade stop at the gateway; X-Forwarded-* added.
    expect(connect_.headers).toMatchObject({ 'Sec-WebSocket-Key': expect.any(String), 'Sec-WebSocket-Version': '13', 'User-Agent': 'halo-unit-test', 'X-Forwarded-For': '127.0.0.1', 'X-Forwarded-Proto': 'http', 'X-Amzn-Trace-Id': expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/) });
    expect(Object.keys(connect_.headers).map((name) => name.toLowerCase())).not.toEqual(expect.arrayContaining(['connection']));
    expect(Object.keys(connect_.headers).map((name) => name.toLowerCase())).not.toContain('upgrade');
    expect(connect_.multiValueHeaders['Sec-WebSocket-Version']).toEqual(['13']);
    expect(connect_.queryStringParameters).toEqual({ color: 'blue', id: '7' });
    expect(connect_.multiValueQueryStringParameters).toEqual({ color: ['red', 'blue'], id: ['7'] });

    clock.advance(5_000);
    await client.roundTrip('{"action":"ping"}');
    const message = await invoked('ping');
    expect(message.requestContext).toEqual({
      ...connect_.requestContext,
      routeKey: 'ping',
      eventType: 'MESSAGE',
      messageId: expect.stringMatching(AWS_ID),
      extendedRequestId: expect.stringMatching(AWS_ID),
      requestId: message.requestContext.extendedRequestId,
      requestTime: '12/Mar/2026:19:04:03 +0000',
      requestTimeEpoch: T0 + 5_000,
    });
    expect(message.requestContext.requestId).not.toBe(connect_.requestContext.requestId);
    expect(message).toMatchObject({ body: '{"action":"ping"}', isBase64Encoded: false });

    clock.advance(55_000);
    client.socket.close(1000, 'bye');
    const disconnect = await invoked('$disconnect');
    expect(disconnect.requestContext).toEqual({
      ...connect_.requestContext,
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      extendedRequestId: expect.stringMatching(AWS_ID),
      requestId: disconnect.requestContext.extendedRequestId,
      requestTime: '12/Mar/2026:19:04:58 +0000',
      requestTimeEpoch: T0 + 60_000,
      // When the connection was made, not when it ended.
      connectedAt: T0,
      disconnectStatusCode: 1000,
      disconnectReason: 'bye',
    });
    expect(disconnect.headers).toEqual({ Host: 'localhost:3000', 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' });
    expect(clfTime(T0)).toBe('12/Mar/2026:19:03:58 +0000');
  });
});

describe('the local WebSocket API enforces the frame and message sizes of API Gateway, closing with 1009', () => {
  const KB = 1024;
  it(`closes a socket that sends one frame over ${WEBSOCKET_LIMITS.frameBytes / KB} KB, without passing it on`, async () => {
    const { url, of } = await startApi();
    const client = await connect(url);
    expect(JSON.parse(await client.roundTrip('x'.repeat(32 * KB)))).toMatchObject({ type: 'echo', bytes: 32 * KB });
    client.socket.send('y'.repeat(32 * KB + 1));
    expect((await client.closed).code).toBe(1009);
    expect(of('$default')).toHaveLength(1);
  });

  it('passes a message of up to 128 KB sent in frames of 32 KB, and closes one over 128 KB', async () => {
    const { url } = await startApi();
    const client = await connect(url);
    const sendInFrames = (bytes: number) => {
      for (let sent = 0; sent < bytes; sent += 32 * KB) client.socket.send('z'.repeat(Math.min(32 * KB, bytes - sent)), { fin: sent + 32 * KB >= bytes });
    };
    const answered = new Promise<string>((done) => client.socket.once('message', (data: Buffer) => done(data.toString())));
    sendInFrames(128 * KB);
    expect(JSON.parse(await answered)).toMatchObject({ type: 'echo', bytes: 128 * KB });
    sendInFrames(128 * KB + 1);
    expect((await client.closed).code).toBe(1009);
  });
});

describe('the local WebSocket API closes idle sockets after 10 minutes and every socket after 2 hours', () => {
  it('counts a message from the client as activity', async () => {
    const { url, clock } = await startApi();
    const client = await connect(url);
    clock.advance(9 * MINUTE);
    await client.roundTrip('{"action":"ping"}');
    clock.advance(9 * MINUTE);
    expect(await isOpen(client)).toBe(true);
    await client.roundTrip('{"action":"ping"}');
    clock.advance(10 * MINUTE);
    expect(await client.closed).toEqual({ code: 1001, reason: 'Going away' });
  });

  it('counts a message sent to the client through @connections as activity', async () => {
    const { url, clock, invoked, post } = await startApi();
    const client = await connect(url);
    const { connectionId } = (await invoked('$connect')).requestContext;
    clock.advance(9 * MINUTE);
    const delivered = new Promise<string>((done) => client.socket.once('message', (data: Buffer) => done(data.toString())));
    expect(post(connectionId, '{"type":"hello"}')).toBe(200);
    expect(await delivered).toBe('{"type":"hello"}');
    clock.advance(9 * MINUTE);
    expect(await client.roundTrip('{"action":"ping"}')).toBe('{"type":"pong"}');
    clock.advance(10 * MINUTE - 1);
    expect(await isOpen(client)).toBe(true);
    clock.advance(1);
    expect((await client.closed).code).toBe(1001);
  });

  it('does not count ping and pong control frames (unverified on AWS; applications must send messages)', async () => {
    const { url, clock } = await startApi();
    const client = await connect(url);
    clock.advance(9 * MINUTE);
    await new Promise<void>((done) => {
      client.socket.once('pong', () => done());
      client.socket.ping();
    });
    clock.advance(MINUTE);
    expect((await client.closed).code).toBe(1001);
  });

  it('closes a socket 2 hours after it connected, however busy it is', async () => {
    const { url, clock } = await startApi();
    const client = await connect(url);
    for (let minutes = 0; minutes < 117; minutes += 9) {
      clock.advance(9 * MINUTE);
      await client.roundTrip('{"action":"ping"}');
    }
    clock.advance(3 * MINUTE - 1);
    expect(await isOpen(client)).toBe(true);
    clock.advance(1);
    expect(await client.closed).toEqual({ code: 1001, reason: 'Going away' });
  });
});

describe('the local WebSocket API after a close', () => {
  it('leaves no timer behind when a route answers after its socket closed', async () => {
    let release = () => undefined as void;
    const { url, clock, invoked } = await startApi({ held: new Promise<void>((done) => (release = done)) });
    const client = await connect(url);
    client.socket.send('slow');
    await invoked('$default');
    client.socket.close();
    await invoked('$disconnect');
    expect(clock.pending()).toBe(0);
    release();
    await new Promise((done) => setImmediate(done));
    expect(clock.pending()).toBe(0);
  });
});

describe('the local WebSocket API under its stage throttle (a token bucket)', () => {
  it('refuses a handshake with 429 when the bucket is empty, before $connect runs, and throttles messages', async () => {
    const { url, clock, of } = await startApi({ throttle: (clock) => tokenBucket({ rateLimit: 1, burstLimit: 2 }, clock.now) });
    const client = await connect(url);
    await connect(url);
    expect(await refusal(url)).toEqual({ status: 429, body: THROTTLED_BODY });
    expect(of('$connect')).toHaveLength(2);

    clock.advance(1_000);
    expect(await client.roundTrip('{"action":"ping"}')).toBe('{"type":"pong"}');
    const throttled = JSON.parse(await client.roundTrip('{"action":"ping"}'));
    expect(throttled).toEqual({ message: 'Too Many Requests', connectionId: of('$connect')[0].requestContext.connectionId, requestId: expect.stringMatching(AWS_ID) });
    expect(of('ping')).toHaveLength(1);
    expect(await isOpen(client)).toBe(true);
  });
});
