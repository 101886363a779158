import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { call, postJson } from '../support/http';

/**
 * The per-route throttles of `npm start`, the stack's own (infra/catalog.ts `routeThrottle`, infra/route-throttles.ts),
 * on a stack whose stage bucket is large (1,000) and refills once every 1,000 s: sign-up's own bucket of 20 is the
 * one that empties, whatever the machine's speed, while the rest of the API keeps answering.
 */
let stack: RunningStack;
beforeAll(async () => {
  stack = await startStackProcess({ env: { HALO_ROUTE_THROTTLES: 'on', HALO_THROTTLE_RATE: '0.001', HALO_THROTTLE_BURST: '1000' } });
});
afterAll(async () => {
  await stack.stop();
});

describe('the per-route throttles of the local gateway', () => {
  it('says at start which route throttles it applies', () => {
    expect(stack.output()).toMatch(/route throttles .*POST \/api\/register 0\.001\/s burst 20/);
  });

  it('refuses a flood of sign-ups with API Gateway\'s 429 on that route alone; logins and every other route still pass', async () => {
    // Refused by the function (400: no identifier), so no KDF runs, but each one passed the gateway and took a token.
    const flood = [];
    for (let i = 0; i < 22; i++) flood.push(await postJson(`${stack.url}/api/register`, {}));
    expect(flood.map((reply) => reply.status)).toEqual([...Array(20).fill(400), 429, 429]);
    const refused = flood[21];
    expect(refused?.text).toBe('{"message":"Too Many Requests"}');
    expect(refused?.headers.get('retry-after')).toBeNull();

    expect((await postJson(`${stack.url}/api/login`, { identifier: 'nobody@example.com', password: 'not a password at all' })).status).toBe(401);
    expect((await call(`${stack.url}/.well-known/jwks.json`)).status).toBe(200);
    expect((await postJson(`${stack.url}/api/refresh`, { refreshToken: 'not-a-token' })).status).toBe(401);
  });
});
