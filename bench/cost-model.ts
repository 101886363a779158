import { FUNCTION_DEFAULTS, FUNCTIONS } from '#infra/catalog';
import { normaliseAvatar } from '#lib/avatars/normalise-avatar';
import { avatarPng } from './support/client';
import { loadResults } from './support/results';
import { median, now } from './support/stats';
import { note, printTable } from './support/table';

/**
 * Dollars per million requests and per 100k monthly active users, from the latest measurements
 * (dist/bench/latest.json: call counts, handler times, init times) and AWS list prices.
 *
 * PRICES: us-east-1 list prices as published on the AWS pricing pages as of mid-2025 (the date of the
 * figures the author knows); they must be re-checked before any decision is made on them.
 */
export const PRICES = {
  lambdaArmGbSecond: 0.0000133334, // first 7.5 billion GB-s per month
  lambdaRequest: 0.2 / 1e6,
  httpApiRequest: 1.0 / 1e6, // first 300 million per month; metered per 512 KB
  webSocketMessage: 1.0 / 1e6, // first 1 billion per month; metered per 32 KB, both directions
  webSocketConnectionMinute: 0.25 / 1e6,
  dynamoDbWriteUnit: 0.625 / 1e6, // on-demand, after the November 2024 price cut
  dynamoDbReadUnit: 0.125 / 1e6,
  dynamoDbStorageGbMonth: 0.25, // first 25 GB free
  s3PutPostListRequest: 0.005 / 1000, // PUT, COPY, POST, LIST
  s3GetRequest: 0.0004 / 1000, // GET and everything else except DELETE (free)
  s3StorageGbMonth: 0.023,
  secretsManagerSecretMonth: 0.4,
  secretsManagerApiCall: 0.05 / 10_000,
  cloudWatchLogsIngestGb: 0.5,
} as const;

/** Amazon Cognito user pools, per monthly active user, tiers introduced in November 2024 (re-check). */
export const COGNITO = {
  lite: [
    { upTo: 10_000, perMau: 0 },
    { upTo: 100_000, perMau: 0.0055 },
    { upTo: 1_000_000, perMau: 0.0046 },
    { upTo: 10_000_000, perMau: 0.00325 },
    { upTo: Number.POSITIVE_INFINITY, perMau: 0.0025 },
  ],
  essentials: [
    { upTo: 10_000, perMau: 0 },
    { upTo: Number.POSITIVE_INFINITY, perMau: 0.015 },
  ],
  plus: [{ upTo: Number.POSITIVE_INFINITY, perMau: 0.02 }],
} as const;

export function tieredCost(tiers: readonly { upTo: number; perMau: number }[], users: number): number {
  let cost = 0;
  let from = 0;
  for (const tier of tiers) {
    const inTier = Math.max(0, Math.min(users, tier.upTo) - from);
    cost += inTier * tier.perMau;
    from = tier.upTo;
    if (users <= from) break;
  }
  return cost;
}

/**
 * How long an AWS call takes from a Lambda in the same region (typical medians, assumed, not measured
 * here): the wait a function is billed for. Sends of a fan-out run at once (50 at a time per client).
 */
const CALL_LATENCY_MS: Record<string, number> = {
  DynamoDB: 4,
  PutObject: 25,
  GetObject: 15,
  DeleteObject: 15,
  DeleteObjects: 25,
  ListObjectsV2: 20,
  PostToConnection: 15,
  DeleteConnection: 15,
};

/** Lambda gives a function CPU in proportion to its memory: one full vCPU at 1,769 MB. */
const cpuFactor = (memoryMb: number) => Math.max(1, 1769 / memoryMb);
/** START/END/REPORT lines that Lambda itself writes per invocation, about 0.3 KB (JSON log format). */
const PLATFORM_LOG_BYTES = 300;
/** Share of invocations that are cold starts (INIT has been billed since 1 August 2025). Assumed. */
const COLD_START_SHARE = 0.01;

interface RequestCost {
  readonly request: string;
  readonly dynamoDbCalls: number;
  readonly s3Calls: Record<string, number>;
  readonly connectionsCalls: number;
  readonly readUnits: number;
  readonly writeUnits: number;
}

interface Invocation {
  readonly fn: string;
  /** CPU time of Halo's own code on this machine's core, before scaling to the function's memory. */
  readonly ownMs: number;
}

interface Kind {
  readonly name: string;
  /** What was measured for it in the calls part (its request label there). */
  readonly measuredAs: string;
  readonly invocations: readonly Invocation[];
  readonly gateway: 'http' | 'websocket' | 'none';
  /** Extra WebSocket messages it sends (server → client), billed like client messages. */
  readonly socketMessages?: number;
  /** Browser requests straight to S3 that it implies (the presigned POST). */
  readonly browserS3Posts?: number;
}

export async function costModel() {
  const results = await loadResults();
  const calls = (results.calls as { requests?: RequestCost[] } | undefined)?.requests ?? [];
  const timings = (results.latency as { timings?: Record<string, { ownMsP50: number }> } | undefined)?.timings ?? {};
  const coldStart = (results['cold-start'] as { functions?: { name: string; initMs: number }[] } | undefined)?.functions ?? [];
  if (calls.length === 0 || Object.keys(timings).length === 0) {
    note('The cost model needs the calls and latency parts measured first: npm run bench -- calls latency cost');
    return undefined;
  }

  // Halo's own CPU per request, measured on the baseline server (handler time minus time in DynamoDB calls).
  const own = (route: string, fallback: number) => timings[route]?.ownMsP50 ?? fallback;
  const png = await avatarPng(256);
  await normaliseAvatar(png);
  const normaliseMs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = now();
    await normaliseAvatar(png);
    normaliseMs.push(now() - start);
  }
  const imageMs = median(normaliseMs);
  const authMs = own('GET /api/user', 1);

  const kinds: Kind[] = [
    { name: 'GET /api/user', measuredAs: 'GET /api/user', invocations: [{ fn: 'get-user', ownMs: authMs }], gateway: 'http' },
    { name: 'POST /api/refresh', measuredAs: 'POST /api/refresh', invocations: [{ fn: 'refresh', ownMs: own('POST /api/refresh', 1) }], gateway: 'http' },
    { name: 'POST /api/login', measuredAs: 'POST /api/login', invocations: [{ fn: 'login', ownMs: own('POST /api/login', 80) }], gateway: 'http' },
    { name: 'POST /api/register', measuredAs: 'POST /api/register', invocations: [{ fn: 'register', ownMs: own('POST /api/register', 90) }], gateway: 'http' },
    {
      name: 'POST /api/user/avatar (+ avatar-events, 2 sockets)',
      measuredAs: 'POST /api/user/avatar (replacing)',
      invocations: [
        { fn: 'upload-avatar', ownMs: authMs + imageMs },
        { fn: 'avatar-events', ownMs: 1 },
      ],
      gateway: 'http',
      socketMessages: 2,
    },
    { name: 'GET /avatars/{userId}/{version}', measuredAs: 'GET /avatars/{userId}/{version}', invocations: [{ fn: 'get-avatar', ownMs: 1 }], gateway: 'http' },
    { name: 'WS $connect', measuredAs: 'WS $connect', invocations: [{ fn: 'ws-connect', ownMs: authMs }], gateway: 'none' },
    { name: 'WS ping (message + pong)', measuredAs: 'WS {"action":"ping"}', invocations: [{ fn: 'ws-message', ownMs: 0.5 }], gateway: 'websocket', socketMessages: 1 },
    { name: 'WS close ($disconnect)', measuredAs: 'WS close (client side)', invocations: [{ fn: 'ws-disconnect', ownMs: 0.3 }], gateway: 'none' },
    { name: 'DELETE /api/user', measuredAs: 'DELETE /api/user', invocations: [{ fn: 'delete-user', ownMs: authMs + 2 }], gateway: 'http' },
  ];

  const memoryOf = (fn: string) => FUNCTIONS.find((f) => f.name === fn)?.memoryMb ?? FUNCTION_DEFAULTS.memoryMb;
  const initOf = (fn: string) => coldStart.find((f) => f.name === fn)?.initMs ?? 200;

  const priced = kinds.map((kind) => {
    const measured = calls.find((c) => c.request.startsWith(kind.measuredAs));
    const s3 = measured?.s3Calls ?? {};
    const dynamoDbCalls = measured?.dynamoDbCalls ?? 0;
    const connectionsCalls = measured?.connectionsCalls ?? 0;
    // Calls on the critical path: DynamoDB and S3 one after the other, a fan-out's sends as one wave.
    const waitMs =
      dynamoDbCalls * (CALL_LATENCY_MS.DynamoDB ?? 4) +
      Object.entries(s3).reduce((sum, [op, n]) => sum + n * (CALL_LATENCY_MS[op] ?? 15), 0) +
      (connectionsCalls > 0 ? (CALL_LATENCY_MS.PostToConnection ?? 15) : 0);
    let gbSeconds = 0;
    let durationMs = 0;
    let initGbSeconds = 0;
    for (const [i, invocation] of kind.invocations.entries()) {
      const memoryGb = memoryOf(invocation.fn) / 1024;
      // Wait time is split over the invocations in proportion: the first does the request's calls, the rest their own.
      const ms = Math.ceil(invocation.ownMs * cpuFactor(memoryOf(invocation.fn)) + (i === 0 ? waitMs : 0));
      durationMs += ms;
      gbSeconds += (ms / 1000) * memoryGb;
      initGbSeconds += COLD_START_SHARE * ((initOf(invocation.fn) * cpuFactor(memoryOf(invocation.fn))) / 1000) * memoryGb;
    }
    const invocationCount = kind.invocations.length;
    const lambda = (gbSeconds + initGbSeconds) * PRICES.lambdaArmGbSecond + invocationCount * PRICES.lambdaRequest;
    const gateway =
      kind.gateway === 'http'
        ? PRICES.httpApiRequest
        : kind.gateway === 'websocket'
          ? PRICES.webSocketMessage * (1 + (kind.socketMessages ?? 0))
          : 0;
    const socketMessages = kind.gateway === 'http' ? (kind.socketMessages ?? 0) * PRICES.webSocketMessage : 0;
    const dynamoDb = (measured?.readUnits ?? 0) * PRICES.dynamoDbReadUnit + (measured?.writeUnits ?? 0) * PRICES.dynamoDbWriteUnit;
    const s3Cost = Object.entries(s3).reduce((sum, [op, n]) => {
      if (op === 'DeleteObject' || op === 'DeleteObjects') return sum; // DELETE requests are free
      return sum + n * (op === 'GetObject' ? PRICES.s3GetRequest : PRICES.s3PutPostListRequest);
    }, 0);
    const logs = ((invocationCount * PLATFORM_LOG_BYTES) / 1e9) * PRICES.cloudWatchLogsIngestGb;
    const total = lambda + gateway + socketMessages + dynamoDb + s3Cost + logs;
    return { kind, durationMs, gbSeconds, lambda, gateway: gateway + socketMessages, dynamoDb, s3: s3Cost, logs, total, measured };
  });

  const perMillion = (dollars: number) => dollars * 1e6;
  printTable(
    'Dollars per million requests of each kind (us-east-1 list prices; estimated Lambda durations)',
    priced.map((p) => ({
      request: p.kind.name,
      'memory MB': p.kind.invocations.map((i) => memoryOf(i.fn)).join(' + '),
      'est. billed ms': p.durationMs,
      'RRU / WRU': p.measured ? `${p.measured.readUnits} / ${p.measured.writeUnits}` : '—',
      'Lambda $': perMillion(p.lambda),
      'API Gateway $': perMillion(p.gateway),
      'DynamoDB $': perMillion(p.dynamoDb),
      'S3 $': perMillion(p.s3),
      'logs $': perMillion(p.logs),
      'total $ / million': perMillion(p.total),
    })),
  );

  // --- per 100k monthly active users
  const MAU = 100_000;
  const profile: { kind: string; perMau: number; why: string }[] = [
    { kind: 'POST /api/register', perMau: 0.1, why: '10% of active users are new this month' },
    { kind: 'POST /api/login', perMau: 4, why: 'a new session on a few devices, or after 30 days idle' },
    { kind: 'POST /api/refresh', perMau: 80, why: '15-minute access tokens: 20 active hours a month × 4' },
    { kind: 'GET /api/user', perMau: 60, why: 'profile read at each app start and screen' },
    { kind: 'WS $connect', perMau: 20, why: 'one socket per active hour' },
    { kind: 'WS ping (message + pong)', perMau: 240, why: 'a ping every 5 minutes while connected' },
    { kind: 'WS close ($disconnect)', perMau: 20, why: 'every socket closes' },
    { kind: 'POST /api/user/avatar (+ avatar-events, 2 sockets)', perMau: 0.2, why: '1 user in 5 changes their avatar' },
    { kind: 'GET /avatars/{userId}/{version}', perMau: 30, why: 'avatars seen by others (each redirect cached 60 s)' },
    { kind: 'DELETE /api/user', perMau: 0.01, why: '1% delete their account' },
  ];
  const connectionMinutesPerMau = 20 * 60;
  const storageGbPer100k = { dynamoDb: (MAU * 30 * 1024) / 1e9, s3: (MAU * 0.5 * 40 * 1024) / 1e9 };
  const monthly = profile.map((line) => {
    const p = priced.find((x) => x.kind.name === line.kind);
    const requests = line.perMau * MAU;
    return { line, requests, dollars: (p?.total ?? 0) * requests };
  });
  const connectionMinutes = connectionMinutesPerMau * MAU * PRICES.webSocketConnectionMinute;
  const fixed =
    PRICES.secretsManagerSecretMonth +
    // Each warm instance re-reads the key set every 5 minutes: about 20 busy instances, all month.
    20 * 12 * 24 * 30 * PRICES.secretsManagerApiCall +
    Math.max(0, storageGbPer100k.dynamoDb - 25) * PRICES.dynamoDbStorageGbMonth +
    storageGbPer100k.s3 * PRICES.s3StorageGbMonth;
  const authOnly = monthly.filter((m) => /register|login|refresh|GET \/api\/user|DELETE/.test(m.line.kind)).reduce((s, m) => s + m.dollars, 0);
  const total = monthly.reduce((s, m) => s + m.dollars, 0) + connectionMinutes + fixed;

  printTable(
    `A month of ${MAU.toLocaleString('en-US')} monthly active users (assumed usage profile)`,
    [
      ...monthly.map((m) => ({
        'request kind': m.line.kind,
        'per user': m.line.perMau,
        'requests / month': m.requests,
        '$ / month': m.dollars,
        assumption: m.line.why,
      })),
      {
        'request kind': 'WebSocket connection-minutes',
        'per user': connectionMinutesPerMau,
        'requests / month': connectionMinutesPerMau * MAU,
        '$ / month': connectionMinutes,
        assumption: '20 connected hours',
      },
      {
        'request kind': 'fixed: secret, key reads, storage',
        'per user': undefined,
        'requests / month': undefined,
        '$ / month': fixed,
        assumption: '1 secret; ~20 warm instances re-reading it every 5 min; 30 KB of items per user, half have a 40 KB avatar',
      },
      { 'request kind': 'total', 'per user': undefined, 'requests / month': undefined, '$ / month': total, assumption: '' },
    ],
  );
  const cognito = {
    lite: tieredCost(COGNITO.lite, MAU),
    essentials: tieredCost(COGNITO.essentials, MAU),
    plus: tieredCost(COGNITO.plus, MAU),
  };
  printTable(`Halo versus Amazon Cognito for ${MAU.toLocaleString('en-US')} MAU, per month`, [
    { what: 'Halo: sign-up, login, refresh, profile reads, deletion', '$ / month': authOnly, '$ per 1,000 MAU': (authOnly / MAU) * 1000 },
    { what: 'Halo: everything above (sockets, avatars, fixed)', '$ / month': total, '$ per 1,000 MAU': (total / MAU) * 1000 },
    { what: 'Cognito Lite (10k free, then $0.0055/MAU)', '$ / month': cognito.lite, '$ per 1,000 MAU': (cognito.lite / MAU) * 1000 },
    { what: 'Cognito Essentials (10k free, then $0.015/MAU)', '$ / month': cognito.essentials, '$ per 1,000 MAU': (cognito.essentials / MAU) * 1000 },
    { what: 'Cognito Plus ($0.02/MAU)', '$ / month': cognito.plus, '$ per 1,000 MAU': (cognito.plus / MAU) * 1000 },
  ]);
  note(
    `Assumptions: Lambda duration = own CPU time measured here (image normalisation ${imageMs.toFixed(1)} ms) × 1769 / memory MB\n` +
      `+ the function's AWS calls one after another (DynamoDB 4 ms, S3 15–25 ms, a fan-out 15 ms), rounded up to 1 ms;\n` +
      `${COLD_START_SHARE * 100}% cold starts billed at the measured init time × the same CPU factor; Graviton core ≈ this core.`,
  );
  return {
    prices: PRICES,
    perMillion: priced.map((p) => ({ request: p.kind.name, billedMs: p.durationMs, dollars: perMillion(p.total) })),
    monthly: { mau: MAU, authOnly, total, cognito },
    imageNormaliseMs: imageMs,
  };
}
