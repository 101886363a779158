import autocannon from 'autocannon';
import { bearer, call, login, register, refreshRequest, type Account } from './support/client';
import { startBareServer, startStackProcess, type RunningChild } from './support/child-process';
import { median, percentile } from './support/stats';
import { note, printTable } from './support/table';

/**
 * Latency under load: autocannon at a fixed concurrency against the embedded stack (a child process,
 * exactly as `npm start` runs it) and against the baseline, the same handler modules behind a bare
 * node:http server (support/bare-server.ts), so the local gateway's overhead is a ratio.
 *
 * POST /api/refresh rotates its token: each token works once, and replaying one revokes its session.
 * So every request takes a token from a pool of live sessions and its answer puts the new token back;
 * a session is never used by two requests at once, and the pool (3 per connection) never runs dry.
 */

const CONNECTIONS = 10;
const SESSIONS = CONNECTIONS * 3;

interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly failed: number;
}

async function load(options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({ connections: CONNECTIONS, ...options });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/** A request factory for autocannon that draws each refresh token from the pool and returns its successor. */
function refreshRequests(pool: string[]): autocannon.Request[] {
  return [
    {
      method: 'POST',
      path: '/api/refresh',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => {
        const token = pool.shift() ?? 'pool-ran-dry';
        return { ...request, body: refreshRequest(token).body as string };
      },
      onResponse: (status, body) => {
        if (status !== 200) return;
        const next = (JSON.parse(body) as { data: { refreshToken: string } }).data.refreshToken;
        pool.push(next);
      },
    },
  ];
}

async function sessionsFor(base: string, account: Account): Promise<string[]> {
  const tokens = [account.refreshToken];
  while (tokens.length < SESSIONS) tokens.push((await login(base, account.identifier)).refreshToken);
  return tokens;
}

interface TargetFigures {
  readonly getUser: LoadResult;
  readonly refresh: LoadResult;
}

async function measureTarget(base: string, seconds: number): Promise<TargetFigures> {
  const account = await register(base, `load-${Date.now()}@example.com`);
  const pool = await sessionsFor(base, account);
  const getUser = { url: `${base}/api/user`, headers: bearer(account.accessToken) };
  await load({ ...getUser, duration: 1 }); // warm-up: JIT, first imports, keep-alive connections
  const user = await load({ ...getUser, duration: seconds });
  await load({ url: base, requests: refreshRequests(pool), duration: 1 });
  const refreshed = await load({ url: base, requests: refreshRequests(pool), duration: seconds });
  return { getUser: user, refresh: refreshed };
}

/** Handler and SDK time per request at concurrency 1 on the baseline: what a Lambda would be billed for, before scaling. */
async function handlerTimings(base: string) {
  const timed = { 'x-bench-time': '1' };
  const account = await register(base, `timing-${Date.now()}@example.com`);
  for (let i = 0; i < 200; i++) await call(`${base}/api/user`, { headers: { ...bearer(account.accessToken), ...timed } });
  let token = account.refreshToken;
  for (let i = 0; i < 200; i++) {
    const reply = await call(`${base}/api/refresh`, { ...refreshRequest(token), headers: { 'content-type': 'application/json', ...timed } });
    token = reply.json.data.refreshToken as string;
  }
  const credentials = { identifier: account.identifier, password: account.password };
  for (let i = 0; i < 15; i++) {
    await call(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...timed }, body: JSON.stringify(credentials) });
  }
  for (let i = 0; i < 8; i++) {
    const body = JSON.stringify({ identifier: `timing-${i}-${Date.now()}@example.com`, password: account.password });
    await call(`${base}/api/register`, { method: 'POST', headers: { 'content-type': 'application/json', ...timed }, body });
  }
  const raw = (await call(`${base}/__bench/timings`)).json as Record<string, { handlerMs: number; sdkMs: number; calls: number }[]>;
  return Object.fromEntries(
    Object.entries(raw).map(([route, list]) => {
      const handler = list.map((t) => t.handlerMs);
      const own = list.map((t) => t.handlerMs - t.sdkMs);
      return [
        route,
        {
          samples: list.length,
          handlerMsP50: median(handler),
          handlerMsP99: percentile(handler, 99),
          sdkMsP50: median(list.map((t) => t.sdkMs)),
          ownMsP50: median(own),
          calls: median(list.map((t) => t.calls)),
        },
      ];
    }),
  );
}

async function withTarget<T>(start: () => Promise<RunningChild & { url: string }>, use: (base: string) => Promise<T>): Promise<T> {
  const target = await start();
  try {
    return await use(target.url);
  } finally {
    await target.stop();
  }
}

export async function latency({ quick }: { quick: boolean }) {
  const seconds = quick ? 2 : 5;
  const stack = await withTarget(startStackProcess, (base) => measureTarget(base, seconds));
  const bare = await withTarget(() => startBareServer(), (base) => measureTarget(base, seconds));
  const timings = await withTarget(() => startBareServer({ timed: true }), (base) => handlerTimings(base));

  const row = (route: string, target: string, r: LoadResult) => ({
    route,
    target,
    'req/s': r.rps,
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    requests: r.requests,
    'non-2xx or errors': r.failed,
  });
  printTable(`Latency at ${CONNECTIONS} connections, ${seconds} s each (autocannon), after a 1 s warm-up`, [
    row('GET /api/user', 'embedded stack (local API Gateway)', stack.getUser),
    row('GET /api/user', 'bare node:http → same handler', bare.getUser),
    row('POST /api/refresh', 'embedded stack (local API Gateway)', stack.refresh),
    row('POST /api/refresh', 'bare node:http → same handler', bare.refresh),
  ]);
  printTable('Local gateway overhead (embedded stack ÷ bare server)', [
    { route: 'GET /api/user', 'req/s ratio': stack.getUser.rps / bare.getUser.rps, 'p50 ratio': stack.getUser.p50 / bare.getUser.p50, 'p99 ratio': stack.getUser.p99 / bare.getUser.p99 },
    { route: 'POST /api/refresh', 'req/s ratio': stack.refresh.rps / bare.refresh.rps, 'p50 ratio': stack.refresh.p50 / bare.refresh.p50, 'p99 ratio': stack.refresh.p99 / bare.refresh.p99 },
  ]);
  printTable(
    'Handler time at concurrency 1 (bare server; SDK = time inside DynamoDB calls, here in-process dynalite)',
    Object.entries(timings).map(([route, t]) => ({
      route,
      samples: t.samples,
      'handler p50 ms': t.handlerMsP50,
      'handler p99 ms': t.handlerMsP99,
      'SDK p50 ms': t.sdkMsP50,
      'own (handler − SDK) p50 ms': t.ownMsP50,
      'SDK calls': t.calls,
    })),
  );
  note('Both servers are one Node process holding dynalite too, on a 2-core machine shared with autocannon: compare them with each other, not with AWS.');
  return { connections: CONNECTIONS, seconds, stack, bare, timings };
}
