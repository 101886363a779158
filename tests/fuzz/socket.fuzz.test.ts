import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import fc from 'fast-check';
import WebSocket from 'ws';
import { bearer, call } from '../support/http';
import { openSocket, type TestSocket } from '../support/socket-client';
import { png } from '../support/test-images';
import { expectNoLeaks, expectSecurityHeaders } from './support/answer-checks';
import { useFuzzStack } from './support/fuzz-stack';
import { FUZZ_TEST_TIMEOUT_MS, runs } from './support/fuzz-runs';
import { anyJson, garbageBytes, headerTextOf, unicodeString } from './support/hostile-values';

/**
 * The WebSocket API under hostile input: garbage in the handshake (query strings, subprotocol headers,
 * broken upgrade headers), then garbage frames on an open socket (text, binary, huge, invalid JSON, unknown
 * and reserved actions). Every handshake is answered (never a 5xx), every frame gets one documented answer
 * (the contract check validates each against docs/asyncapi.yaml), and the socket keeps working.
 */
const fuzz = useFuzzStack();

interface HandshakeAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** An upgrade request with exactly these headers and query string, through node:http (ws would tidy them). */
function handshake(target: string, headers: Record<string, string>): Promise<HandshakeAnswer> {
  const { hostname, port } = new URL(fuzz.stack.websocketUrl);
  return new Promise((done, failed) => {
    const req = request({ host: hostname === 'localhost' ? '127.0.0.1' : hostname, port, path: target, headers });
    req.setTimeout(10_000, () => req.destroy(new Error('the handshake got no answer within 10 s')));
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      done({ status: 101, headers: res.headers as Record<string, string>, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body }));
    });
    req.on('error', failed);
    req.end();
  });
}

const upgradeHeaders = () => ({ connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') });

const withoutSurrogates = (text: string) => text.replace(/[\ud800-\udfff]/g, '');

/** API Gateway's frame limit: a message over it must go in several frames (a single bigger frame closes the socket, 1009). */
const FRAME_BYTES = 32 * 1024;

/** One message, in as many frames of at most 32 KB as it needs, as a client on API Gateway must send it. */
function sendInFrames(socket: WebSocket, data: string | Buffer, binary: boolean): void {
  const bytes = Buffer.from(data);
  if (bytes.length <= FRAME_BYTES) {
    socket.send(bytes, { binary });
    return;
  }
  for (let sent = 0; sent < bytes.length; sent += FRAME_BYTES) {
    socket.send(bytes.subarray(sent, sent + FRAME_BYTES), { binary, fin: sent + FRAME_BYTES >= bytes.length });
  }
}

describe('the WebSocket API under hostile input', () => {
  it('answers every hostile handshake with a refusal, never a 5xx, and opens only for a good token', async () => {
    const tokenish = fc.oneof(
      fc.constant(fuzz.witness.accessToken),
      fc.constant(`${fuzz.witness.accessToken}x`),
      fc.constantFrom('', 'null', 'a.b.c', '%ZZ', 'x'.repeat(3_000)),
      unicodeString.map((text) => encodeURIComponent(withoutSurrogates(text))),
    );
    const query = fc.oneof(
      tokenish.map((token) => `?access_token=${token}`),
      fc.tuple(tokenish, tokenish).map(([a, b]) => `?access_token=${a}&access_token=${b}`),
      fc.constantFrom('', '?', '?access_token', '?access_token=', '?=&=&', '?access_token=%', '?a=%00'),
      fc.dictionary(fc.string({ maxLength: 10 }), unicodeString.map(withoutSurrogates), { maxKeys: 3 }).map((params) => `?${new URLSearchParams(params)}`),
    );
    const protocols = fc.option(
      fc.oneof(
        tokenish.map((token) => `halo.bearer, ${token}`),
        tokenish.map((token) => `${token}, halo.bearer`),
        fc.constantFrom('halo.bearer', 'halo.bearer,', ', halo.bearer', 'halo.bearer, halo.bearer', 'halo.bearer,,x'),
        headerTextOf(80),
      ),
      { nil: undefined },
    );
    const broken = fc.option(fc.constantFrom<Record<string, string>>({ 'sec-websocket-version': '8' }, { 'sec-websocket-version': 'x' }, { 'sec-websocket-key': 'short' }, { upgrade: 'h2c' }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(query, protocols, broken, async (search, offered, override) => {
        const headers = { ...upgradeHeaders(), ...(offered === undefined ? {} : { 'sec-websocket-protocol': offered }), ...override };
        const answer = await handshake(`/ws${search}`, headers);
        expect(answer.status).toBeLessThan(500);
        if (answer.status === 101) {
          // Only the witness's own token, in the query or right after halo.bearer, opens a socket.
          expect(`${search} ${offered ?? ''}`).toContain(fuzz.witness.accessToken);
          return;
        }
        expect([400, 401, 429]).toContain(answer.status);
        expectSecurityHeaders({ status: answer.status, headers: answer.headers, body: answer.body });
        expectNoLeaks({ status: answer.status, headers: answer.headers, body: answer.body });
      }),
      runs(80),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('answers every frame of garbage with one documented message, and the socket keeps working', async () => {
    const socket = await openSocket(fuzz.stack.websocketUrl, fuzz.witness.accessToken);
    const frame = fc.oneof(
      anyJson.map((value) => ({ data: JSON.stringify(value) ?? 'undefined', binary: false })),
      fc.record({ action: fc.oneof(unicodeString, fc.constantFrom('$connect', '$disconnect', '$default', 'PING', 'ping ', 'toString', '__proto__')), data: anyJson }).map((value) => ({ data: JSON.stringify(value), binary: false })),
      fc.constantFrom('{"action":"ping"', '{"action":', '', ' ', 'null', '[]', '{"action":"ping"}{"action":"ping"}', '\u0000').map((data) => ({ data, binary: false })),
      unicodeString.map((data) => ({ data, binary: false })),
      garbageBytes.map((bytes) => ({ data: Buffer.from(bytes), binary: true })),
      fc.constant({ data: JSON.stringify({ action: 'ping' }), binary: true }),
      fc.integer({ min: 30_000, max: 120_000 }).map((n) => ({ data: JSON.stringify({ action: 'ping', padding: 'x'.repeat(n) }), binary: false })),
    );
    await fc.assert(
      fc.asyncProperty(frame, async ({ data, binary }) => {
        const since = socket.messages.length;
        sendInFrames(socket.socket, data, binary);
        const reply = await socket.next(() => true, since);
        expect(['pong', 'error']).toContain(reply.type);
        expectNoLeaks({ status: 200, headers: {}, body: JSON.stringify(reply) });
        // Nothing more than one answer per frame.
        expect(socket.messages.length).toBe(since + 1);
      }),
      runs(120),
    );
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);
    await expectStillNotified(socket);
    socket.close();
  }, FUZZ_TEST_TIMEOUT_MS);

  it('closes a socket that sends more than 128 KB at once with 1009, and a new socket works', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 128 * 1024 + 1, max: 1024 * 1024 }), fc.boolean(), async (size, binary) => {
        const socket = await openSocket(fuzz.stack.websocketUrl, fuzz.witness.accessToken);
        socket.socket.send(Buffer.alloc(size, 0x7b), { binary });
        expect((await socket.closed).code).toBe(1009);
        const fresh = await openSocket(fuzz.stack.websocketUrl, fuzz.witness.accessToken);
        fresh.socket.send(JSON.stringify({ action: 'ping' }));
        expect(await fresh.next((message) => message.type === 'pong')).toEqual({ type: 'pong' });
        fresh.close();
      }),
      runs(3),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('closes a socket that sends one frame over 32 KB with 1009 (the frame limit), and answers a message of up to 128 KB in smaller frames', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 32 * 1024 + 1, max: 128 * 1024 }), fc.boolean(), async (size, binary) => {
        const socket = await openSocket(fuzz.stack.websocketUrl, fuzz.witness.accessToken);
        // Within the 128 KB message limit, so only API Gateway's 32 KB frame limit refuses it.
        socket.socket.send(Buffer.alloc(size, 0x7b), { binary });
        expect((await socket.closed).code).toBe(1009);
        const fresh = await openSocket(fuzz.stack.websocketUrl, fuzz.witness.accessToken);
        // The same bytes in frames of at most 32 KB are one message like any other: answered, once.
        sendInFrames(fresh.socket, Buffer.alloc(size, 0x7b), binary);
        expect(await fresh.next((message) => message.type === 'error')).toMatchObject({ type: 'error' });
        expect(fresh.socket.readyState).toBe(WebSocket.OPEN);
        fresh.close();
      }),
      runs(3),
    );
  }, FUZZ_TEST_TIMEOUT_MS);
});

/** The socket is still the user's: an avatar upload reaches it (its connection record survived the garbage). */
async function expectStillNotified(socket: TestSocket): Promise<void> {
  const since = socket.messages.length;
  const uploaded = await call(`${fuzz.stack.url}/api/user/avatar`, { method: 'POST', headers: { ...bearer(fuzz.witness.accessToken), 'content-type': 'image/png' }, body: await png(16, 16) });
  expect(uploaded.status).toBe(200);
  const changed = await socket.next((message) => message.type === 'avatar.changed', since);
  expect(changed.data.avatarUrl).toBe(uploaded.json.data.avatarUrl);
}
