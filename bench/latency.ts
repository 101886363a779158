import autocannon from 'autocannon';
import { bearer, call, login, register, refreshRequest, type Account } from './support/client';
import { startBareServer, startStackProcess, type RunningChild } from './support/child-process';
import { median, percentile, round } from './support/stats';
import { note, printTable } from './support/table';

/**
 * Latency under load: autocannon at a fixed concurrency against the embedded stack (a child process,
 * exactly as `npm start` runs it) and against the baseline, the same handler modules behind a bare
 * node:http server (support/bare-server.ts), so the local gateway's overhead is a ratio.
 *
 * POST /api/refresh rotates its token: each token works once, and replaying one revokes its session.
 * So every request takes a token from a pool of live sessions and its answer puts the new token back;
 * a session is never used by two requests at once, and the pool (3 per connection, topped up before
 * each load) never runs dry.
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

/**
 * Tops the pool up to SESSIONS live tokens with fresh logins. A load that ends mid-request drops the answers in
 * flight, and with them up to one token per connection, so every refresh load starts from a full pool.
 */
async function refill(base: string, account: Account, pool: string[]): Promise<void> {
  while (pool.length < SESSIONS) pool.push((await login(base, account.identifier)).refreshToken);
}

/** A target's prepared loads: a warm account, and its pool of live refresh tokens. */
interface Target {
  readonly name: 'stack' | 'bare';
  readonly getUser: autocannon.Options;
  readonly refresh: autocannon.Options;
  readonly refill: () => Promise<void>;
}

async function prepareTarget(name: Target['name'], base: string): Promise<Target> {
  const account = await register(base, `load-${Date.now()}@example.com`);
  const pool = [account.refreshToken];
  const target: Target = {
    name,
    getUser: { url: `${base}/api/user`, headers: bearer(account.accessToken) },
    refresh: { url: base, requests: refreshRequests(pool) },
    refill: () => refill(base, account, pool),
  };
  // Warm-up: JIT, first imports, keep-alive connections.
  await load({ ...target.getUser, duration: 1 });
  await target.refill();
  await load({ ...target.refresh, duration: 1 });
  return target;
}

type Route = 'getUser' | 'refresh';
type Rounds = Record<Target['name'], Record<Route, LoadResult[]>>;

/**
 * Loads both targets in alternating order, round after round, with both processes up the whole time (an idle
 * one costs nothing): a burst of noise from elsewhere then lands on both targets instead of skewing one of them.
 * One run per target was not enough: three single runs in a quiet hour put POST /api/refresh's ratio at 0.80,
 * 0.84 and 1.04, so the ratio printed is the median of the rounds' ratios, with their range.
 */
async function measureRounds(targets: readonly [Target, Target], rounds: number, seconds: number): Promise<Rounds> {
  const results: Rounds = { stack: { getUser: [], refresh: [] }, bare: { getUser: [], refresh: [] } };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : ([targets[1], targets[0]] as const);
    for (const route of ['getUser', 'refresh'] as const) {
      for (const target of order) {
        if (route === 'refresh') await target.refill();
        results[target.name][route].push(await load({ ...target[route], duration: seconds }));
      }
    }
  }
  return results;
}

/** A target's figures over the rounds: the median of each column, and the totals. */
const medianOf = (list: readonly LoadResult[]): LoadResult => ({
  rps: median(list.map((r) => r.rps)),
  p50: median(list.map((r) => r.p50)),
  p99: median(list.map((r) => r.p99)),
  requests: list.reduce((sum, r) => sum + r.requests, 0),
  failed: list.reduce((sum, r) => sum + r.failed, 0),
});

/** Stack ÷ bare per round, then the median and the range of those ratios. */
function ratios(results: Rounds, route: Route) {
  const per = (pick: (r: LoadResult) => number) => results.stack[route].map((r, i) => pick(r) / pick(results.bare[route][i] as LoadResult));
  const rps = per((r) => r.rps);
  return {
    'req/s ratio': median(rps),
    'req/s ratio range': `${round(Math.min(...rps), 2)}–${round(Math.max(...rps), 2)}`,
    'p50 ratio': median(per((r) => r.p50)),
    'p99 ratio': median(per((r) => r.p99)),
  };
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
  const rounds = quick ? 1 : 3;
  const results = await withTarget(startStackProcess, (stackUrl) =>
    withTarget(
      () => startBareServer(),
      async (bareUrl) => measureRounds([await prepareTarget('stack', stackUrl), await prepareTarget('bare', bareUrl)], rounds, seconds),
    ),
  );
  const timings = await withTarget(() => startBareServer({ timed: true }), (base) => handlerTimings(base));

  const stack = { getUser: medianOf(results.stack.getUser), refresh: medianOf(results.stack.refresh) };
  const bare = { getUser: medianOf(results.bare.getUser), refresh: medianOf(results.bare.refresh) };
  const row = (route: string, target: string, r: LoadResult) => ({
    route,
    target,
    'req/s': r.rps,
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    requests: r.requests,
    'non-2xx or errors': r.failed,
  });
  printTable(`Latency at ${CONNECTIONS} connections, ${rounds} round(s) of ${seconds} s per target (autocannon), after a 1 s warm-up; medians over the rounds`, [
    row('GET /api/user', 'embedded stack (local API Gateway)', stack.getUser),
    row('GET /api/user', 'bare node:http → same handler', bare.getUser),
    row('POST /api/refresh', 'embedded stack (local API Gateway)', stack.refresh),
    row('POST /api/refresh', 'bare node:http → same handler', bare.refresh),
  ]);
  printTable('Local gateway overhead (embedded stack ÷ bare server in each round; medians over the rounds)', [
    { route: 'GET /api/user', ...ratios(results, 'getUser') },
    { route: 'POST /api/refresh', ...ratios(results, 'refresh') },
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
  return { connections: CONNECTIONS, seconds, rounds, stack, bare, perRound: results, timings };
}
