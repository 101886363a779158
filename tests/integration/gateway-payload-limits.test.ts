import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { API_AVATAR_BODY_MAX_BYTES } from '#functions/common/avatar-body';
import { HTTP_API, LAMBDA_SYNC_INVOKE } from '#infra/aws-limits';
import { inProcessInvoker, type Invoker } from '#local/function-invoker';
import { httpApi } from '#local/http-api';

/**
 * The local HTTP API in front of the real in-process invoker, with stand-in handlers
 * (tests/integration/fixtures/functions): what reaches a function, and what the client gets when Lambda
 * refuses the event, the function fails or returns too much, or the integration times out. Each answer is
 * API Gateway's own (local/gateway-answers.ts).
 */
const runs: string[] = ((globalThis as { haloFixtureRuns?: string[] }).haloFixtureRuns ??= []);
const inProcess = inProcessInvoker(fileURLToPath(new URL('./fixtures', import.meta.url)));

/** Every route goes to the stand-in named by `x-fixture`, with the timeout `x-function-timeout` (seconds). */
const invoke: Invoker = (fn, event) => {
  const { headers } = event as { headers: Record<string, string> };
  return inProcess({ ...fn, name: headers['x-fixture'] ?? 'echo-size', timeoutSeconds: Number(headers['x-function-timeout'] ?? 10) }, event);
};

async function serve(handler: ReturnType<typeof httpApi>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let gateway: { server: Server; url: string };
let impatient: { server: Server; url: string };
beforeAll(async () => {
  gateway = await serve(httpApi(invoke, 'localhost'));
  impatient = await serve(httpApi(invoke, 'localhost', { integrationTimeoutMs: 300 }));
});
afterAll(async () => {
  for (const { server } of [gateway, impatient]) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

const post = (url: string, fixture: string, body: Buffer | string, { query = '', headers = {} }: { query?: string; headers?: Record<string, string> } = {}) =>
  fetch(`${url}/api/register${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-fixture': fixture, ...headers },
    body,
  });

async function expectGatewayAnswer(reply: Response, status: number, message: string): Promise<void> {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/json');
  expect(reply.headers.get('apigw-requestid')).toEqual(expect.any(String));
  expect(await reply.json()).toEqual({ message });
}

describe('the local HTTP API holds AWS limits on the way to Lambda and back', () => {
  it('refuses a body over the HTTP API payload limit (10 MB) with 413 {"message":"Request Entity Too Large"}', async () => {
    const before = runs.length;
    await expectGatewayAnswer(await post(gateway.url, 'echo-size', Buffer.alloc(HTTP_API.payloadBytes + 1, 1)), 413, 'Request Entity Too Large');
    expect(runs.length).toBe(before);
  });

  it('refuses an event over Lambda\'s request limit with 413 before the function runs (a 4.77 MB binary body is a 6.36 MB event)', async () => {
    const before = runs.length;
    await expectGatewayAnswer(await post(gateway.url, 'echo-size', Buffer.alloc(4_771_821, 1)), 413, 'Request Entity Too Large');
    expect(runs.length).toBe(before);
  });

  it('takes a binary body of the avatar route\'s limit to the function, base64-encoded', async () => {
    const reply = await post(gateway.url, 'echo-size', Buffer.alloc(API_AVATAR_BODY_MAX_BYTES, 1));
    expect(reply.status).toBe(200);
    expect(Number(await reply.text())).toBe(4 * Math.ceil(API_AVATAR_BODY_MAX_BYTES / 3));
  });

  it('relays a result of exactly Lambda\'s response limit, and answers 500 for one byte more', async () => {
    const atLimit = await post(gateway.url, 'sized-result', '', { query: `?bytes=${LAMBDA_SYNC_INVOKE.responseBytesAtMost}` });
    expect(atLimit.status).toBe(200);
    expect((await atLimit.text()).length).toBeGreaterThan(6_000_000);

    const over = await post(gateway.url, 'sized-result', '', { query: `?bytes=${LAMBDA_SYNC_INVOKE.responseBytesAtMost + 1}` });
    await expectGatewayAnswer(over, 500, 'Internal Server Error');
    expect(runs.at(-1)).toBe('sized-result');
  });

  it('answers a function that throws with 500 {"message":"Internal Server Error"}, without its words', async () => {
    const reply = await post(gateway.url, 'crash', 'x');
    expect(reply.status).toBe(500);
    const text = await reply.text();
    expect(text).not.toContain('secret');
    expect(JSON.parse(text)).toEqual({ message: 'Internal Server Error' });
  });

  it('answers a function that outlives its own timeout (shorter than the integration\'s) with 500', async () => {
    await expectGatewayAnswer(await post(gateway.url, 'slow', '', { query: '?ms=700', headers: { 'x-function-timeout': '0.2' } }), 500, 'Internal Server Error');
  });

  it('answers 503 {"message":"Service Unavailable"} when the integration timeout passes first', async () => {
    await expectGatewayAnswer(await post(impatient.url, 'slow', '', { query: '?ms=900', headers: { 'x-function-timeout': '10' } }), 503, 'Service Unavailable');
  });
});
