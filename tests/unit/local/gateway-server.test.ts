import { DEFAULT_STAGE_THROTTLE } from '#infra/stage-throttle';
import { startGatewayServer, type GatewayServer } from '#local/gateway-server';

/** The gateway server's stage throttle: on by default with the stack's own numbers, one bucket per API. */
const invoked: string[] = [];
const invoke = async (fn: { name: string }) => {
  invoked.push(fn.name);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
};

const gateways: GatewayServer[] = [];
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close();
  invoked.length = 0;
});

async function start(options: Partial<Parameters<typeof startGatewayServer>[0]> = {}) {
  const gateway = await startGatewayServer({ port: 0, host: '127.0.0.1', invoke, ...options });
  gateways.push(gateway);
  return gateway;
}

describe('the local gateway server', () => {
  it('throttles by default with the stage throttle the CDK stack deploys, read from HALO_THROTTLE_RATE / HALO_THROTTLE_BURST', async () => {
    const saved = { rate: process.env.HALO_THROTTLE_RATE, burst: process.env.HALO_THROTTLE_BURST };
    try {
      delete process.env.HALO_THROTTLE_RATE;
      delete process.env.HALO_THROTTLE_BURST;
      expect((await start()).throttle).toEqual(DEFAULT_STAGE_THROTTLE);
      process.env.HALO_THROTTLE_RATE = '25';
      process.env.HALO_THROTTLE_BURST = '50';
      expect((await start()).throttle).toEqual({ rateLimit: 25, burstLimit: 50 });
      process.env.HALO_THROTTLE_BURST = 'lots';
      await expect(start()).rejects.toThrow('throttleBurst (HALO_THROTTLE_BURST) must be a positive whole number of requests, got "lots"');
    } finally {
      for (const [name, value] of [['HALO_THROTTLE_RATE', saved.rate], ['HALO_THROTTLE_BURST', saved.burst]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('answers requests past the bucket 429 {"message":"Too Many Requests"} without invoking anything, and spares @connections calls', async () => {
    const gateway = await start({ throttle: { rateLimit: 0.001, burstLimit: 2 } });
    const get = () => fetch(`${gateway.url}/.well-known/jwks.json`);
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    const throttled = await get();
    expect(throttled.status).toBe(429);
    expect(await throttled.text()).toBe('{"message":"Too Many Requests"}');
    expect(invoked).toHaveLength(2);
    // A body is read to its end before the answer, so the client sees the 429 rather than a reset connection.
    // (A route without a throttle of its own, so the stage's bucket is the one that is empty.)
    const upload = await fetch(`${gateway.url}/api/refresh`, { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024) });
    expect(upload.status).toBe(429);
    // The management API is not a stage of the two APIs: its calls are never refused by their throttle.
    const gone = await fetch(`${gateway.url}/@connections/nobody`, { method: 'POST', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=local' }, body: '{}' });
    expect(gone.status).toBe(410);
  });

  it('refuses a flood on one expensive route with its own bucket while every other route still passes', async () => {
    // The stage's bucket is far larger than sign-up's (20, infra/catalog.ts), and refills at 0.001/s: nothing refills here.
    const gateway = await start({ throttle: { rateLimit: 0.001, burstLimit: 1000 } });
    expect(gateway.routeThrottles.get('POST /api/register')).toEqual({ rateLimit: 0.001, burstLimit: 20 });
    const register = () => fetch(`${gateway.url}/api/register`, { method: 'POST', body: '{}' });
    const statuses = [];
    for (let i = 0; i < 22; i++) statuses.push((await register()).status);
    expect(statuses).toEqual([...Array(20).fill(200), 429, 429]);
    const refused = await register();
    expect(await refused.text()).toBe('{"message":"Too Many Requests"}');
    expect(invoked.filter((name) => name === 'register')).toHaveLength(20);

    // The other routes, the expensive ones included, still have their own buckets and the stage's.
    expect((await fetch(`${gateway.url}/api/login`, { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await fetch(`${gateway.url}/.well-known/jwks.json`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/no/such/route`)).status).toBe(200); // $default: the stage's bucket
  });

  it('caps each route throttle at the stage throttle, as the stack does', async () => {
    const gateway = await start({ throttle: { rateLimit: 5, burstLimit: 3 } });
    expect(gateway.routeThrottles.get('POST /api/login')).toEqual({ rateLimit: 5, burstLimit: 3 });
    expect(gateway.routeThrottles.has('GET /.well-known/jwks.json')).toBe(false);
  });
});
