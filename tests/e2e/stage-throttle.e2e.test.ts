import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { call, postJson } from '../support/http';
import { openSocket } from '../support/socket-client';

/**
 * The stage throttle of `npm start`, the stack's own (infra/stage-throttle.ts), here set through the same
 * environment variables as for `cdk deploy` to a bucket of 6 requests refilled once every 1,000 s: whatever
 * the machine's speed, exactly 6 requests per API pass, and the rest get API Gateway's 429.
 */
let stack: RunningStack;
beforeAll(async () => {
  stack = await startStackProcess({ env: { HALO_THROTTLE_RATE: '0.001', HALO_THROTTLE_BURST: '6' } });
});
afterAll(async () => {
  await stack.stop();
});

describe('the stage throttle of the local gateway', () => {
  it('says at start which throttle it applies', () => {
    expect(stack.output()).toMatch(/throttle\s+0\.001 requests\/s, bursts of 6, per API/);
  });

  it("answers requests past the HTTP API's bucket with API Gateway's 429 {\"message\":\"Too Many Requests\"}, before any function runs", async () => {
    const registered = await postJson(`${stack.url}/api/register`, { identifier: 'throttled@example.com', password: 'a perfectly fine passphrase' });
    expect(registered.status).toBe(201);
    const replies = await Promise.all(Array.from({ length: 8 }, () => call(`${stack.url}/.well-known/jwks.json`)));
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    for (const reply of replies.filter((r) => r.status === 429)) {
      expect(reply.text).toBe('{"message":"Too Many Requests"}');
      expect(reply.headers.get('content-type')).toBe('application/json');
      expect(reply.headers.get('retry-after')).toBeNull();
      expect(reply.headers.get('apigw-requestid')).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    }

    // The WebSocket API is a stage of its own, with its own bucket: 6 handshakes pass, the 7th is refused 429.
    const token = registered.json.data.accessToken as string;
    const sockets = [];
    for (let i = 0; i < 6; i++) sockets.push(await openSocket(stack.websocketUrl, token));
    await expect(openSocket(stack.websocketUrl, token)).rejects.toMatchObject({ status: 429 });
    // A message past the bucket is not delivered; the gateway says so on the socket.
    const [first] = sockets;
    first?.socket.send('{"action":"ping"}');
    expect(await first?.next((m: { message?: string }) => m.message === 'Too Many Requests')).toEqual({
      message: 'Too Many Requests',
      connectionId: expect.any(String),
      requestId: expect.any(String),
    });
    for (const socket of sockets) socket.close();
  });
});
