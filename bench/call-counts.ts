import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { matchRoute } from '#infra/route-matching';
import { parseIdentifier } from '#lib/identifiers/parse-identifier';
import { createPasswordHasher } from '#lib/passwords/password-hasher';
import { queryByUser } from '#lib/storage/by-user-index';
import { createUsersRepository } from '#lib/storage/users-repository';
import { startEmbeddedStack, TABLE_NAME, type EmbeddedStack } from '#local/embedded-stack';
import {
  avatarPng,
  bearer,
  call,
  directUpload,
  firstOf,
  login,
  openSocket,
  PASSWORD,
  refresh,
  register,
  uploadAvatar,
  type Account,
} from './support/client';
import { PROJECT_ROOT, setEnv } from './support/environment';
import { installCallCounter, labelServers, recordCount, recordedSince, type CallRecord } from './support/sdk-call-counter';
import { sleep, waitFor } from './support/stats';
import { note, printTable, type Row } from './support/table';

/**
 * Work per request: the embedded stack runs in this process, so the SDK clients of the very handler
 * modules Lambda runs can be counted (support/sdk-call-counter.ts). Each request runs alone; its
 * window lasts until the process has been quiet for a moment, so the asynchronous work it causes
 * (the S3 event's avatar-events invocation, $disconnect) is caught too, labelled by its cause.
 */

interface Measured {
  readonly request: string;
  readonly calls: CallRecord[];
}

const QUIET_MS = 400;

/** Runs `run`, then waits until no SDK call has been made for QUIET_MS (bounded), and returns what was called. */
async function measure(request: string, run: () => Promise<unknown>, extraWait?: () => Promise<void>): Promise<Measured> {
  const from = recordCount();
  await run();
  if (extraWait) await extraWait();
  const deadline = Date.now() + 15_000;
  for (let seen = -1; seen !== recordCount() && Date.now() < deadline; ) {
    seen = recordCount();
    await sleep(QUIET_MS);
  }
  return { request, calls: recordedSince(from) };
}

const byOperation = (calls: readonly CallRecord[], service: string) => {
  const counts = new Map<string, number>();
  for (const c of calls) if (c.service === service) counts.set(c.operation, (counts.get(c.operation) ?? 0) + 1);
  return [...counts].map(([operation, count]) => `${operation} ${count}`).join(', ');
};
const count = (calls: readonly CallRecord[], service?: string) => calls.filter((c) => !service || c.service === service).length;
const sum = (calls: readonly CallRecord[], field: 'readUnits' | 'writeUnits') => calls.reduce((total, c) => total + c[field], 0);

/** Which function a label stands for (the gateway label is the route key; see labelServers below). */
const FUNCTION_OF_LABEL: Record<string, string> = {
  'S3 event': 'avatar-events',
  'WS $connect': 'ws-connect',
};
/** Socket events (a message, a close) come from no HTTP request: a ping's calls are ws-message's, any other's ws-disconnect's. */
const functionOf = (label: string, request: string) =>
  label === 'unattributed'
    ? request.startsWith('WS {') ? 'ws-message' : 'ws-disconnect'
    : (FUNCTION_OF_LABEL[label] ?? matchRoute(...(label.split(' ') as [string, string]))?.fn.name ?? label);

function rows(measured: Measured, minimum: Record<string, number | string>): Row[] {
  const labels = [...new Set(measured.calls.map((c) => c.label))];
  if (labels.length === 0) labels.push('');
  return labels.map((label) => {
    const calls = measured.calls.filter((c) => c.label === label);
    const fn = label ? functionOf(label, measured.request) : '';
    return {
      request: measured.request,
      function: fn,
      DynamoDB: byOperation(calls, 'DynamoDB') || '—',
      S3: byOperation(calls, 'S3') || '—',
      '@connections': byOperation(calls, '@connections') || '—',
      calls: count(calls),
      'design minimum': minimum[fn] ?? minimum['*'],
      RRU: sum(calls, 'readUnits'),
      WRU: sum(calls, 'writeUnits'),
    };
  });
}

export interface RequestCost {
  readonly request: string;
  readonly dynamoDbCalls: number;
  readonly s3Calls: Record<string, number>;
  readonly connectionsCalls: number;
  readonly readUnits: number;
  readonly writeUnits: number;
}

const summarise = (m: Measured): RequestCost => {
  const s3Calls: Record<string, number> = {};
  for (const c of m.calls) if (c.service === 'S3') s3Calls[c.operation] = (s3Calls[c.operation] ?? 0) + 1;
  return {
    request: m.request,
    dynamoDbCalls: count(m.calls, 'DynamoDB'),
    s3Calls,
    connectionsCalls: count(m.calls, '@connections'),
    readUnits: sum(m.calls, 'readUnits'),
    writeUnits: sum(m.calls, 'writeUnits'),
  };
};

export async function callCounts() {
  // Handlers log refused requests at INFO; the tables are what this part prints.
  // The stage throttle is lifted as in every bench stack (support/child-process.ts): it counts calls, not 429s.
  setEnv({ LOG_LEVEL: 'ERROR', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', HALO_THROTTLE_RATE: '1000000', HALO_THROTTLE_BURST: '1000000' });
  installCallCounter();
  const stack = await startEmbeddedStack({ port: 0, host: '127.0.0.1', dataDir: ':memory:', projectRoot: PROJECT_ROOT });
  try {
    return await scenarios(stack);
  } finally {
    await stack.close();
  }
}

async function scenarios(stack: EmbeddedStack) {
  const base = stack.url;
  const gatewayLabel = (req: IncomingMessage, event: 'request' | 'upgrade') => {
    if (event === 'upgrade') return 'WS $connect';
    const { pathname } = new URL(req.url ?? '/', base);
    if (pathname.startsWith('/@connections/')) return '@connections';
    return `${req.method} ${pathname}`.replace(/^(GET \/avatars)\/.*/, '$1/{userId}/{version}');
  };
  labelServers(
    new Map([
      [Number(new URL(base).port), gatewayLabel],
      // s3rver, behind the local S3's checks: its object events invoke avatar-events.
      [Number(new URL(stack.s3StoreEndpoint).port), () => 'S3 event'],
    ]),
  );
  const png = await avatarPng(256);
  const all: { measured: Measured; minimum: Record<string, number | string> }[] = [];
  const record = (measured: Measured, minimum: Record<string, number | string>) => {
    all.push({ measured, minimum });
    return measured;
  };
  const unique = () => `bench-${randomUUID().slice(0, 8)}@example.com`;

  // --- accounts and tokens
  let ada: Account | undefined;
  // A new session is one BatchWriteItem (session and first token). Abuse limits (docs/design.md): sign-up +1 window
  // counter; login +1 BatchGetItem of the three counts and +1 admission UpdateItem before the KDF, then a success
  // +1 DeleteItem, a failure +2 UpdateItems; a started session +1 Query of the user's session keys (the cap on
  // sessions per user, MAX_SESSIONS_PER_USER: the items are read only at the cap); $connect +1 UpdateItem (its slot under the socket cap, on the user item).
  // Listing a user's sockets (fan-out, deletion) is a Query of byUser plus a GetItem of the user item's slots.
  record(await measure('POST /api/register', async () => (ada = await register(base, unique()))), { '*': 5 });
  if (!ada) throw new Error('registration failed');
  const account = ada;
  let second = { accessToken: '', refreshToken: '' };
  record(await measure('POST /api/login', async () => (second = await login(base, account.identifier))), { '*': 7 });
  record(await measure('POST /api/login (wrong password)', () => call(`${base}/api/login`, loginBody(account.identifier, 'not the password at all'))), { '*': 6 });
  record(await measure('POST /api/login (unknown identifier)', () => call(`${base}/api/login`, loginBody(unique(), PASSWORD))), { '*': 6 });
  record(await measure('GET /api/user', () => call(`${base}/api/user`, { headers: bearer(account.accessToken) })), { '*': 1 });
  record(
    await measure('POST /api/refresh', async () => Object.assign(account, await refresh(base, account.refreshToken))),
    { '*': 4 },
  );
  const replayed = second.refreshToken;
  await refresh(base, replayed);
  record(await measure('POST /api/refresh (replayed token)', () => call(`${base}/api/refresh`, refreshBody(replayed))), { '*': 3 });

  // --- the socket
  let socket = await openSocket(stack.websocketUrl, account.accessToken);
  socket.socket.close();
  await waitFor(() => socket.closedAt !== undefined, 5_000, 'a socket to close');
  await sleep(QUIET_MS);
  record(await measure('WS $connect', async () => (socket = await openSocket(stack.websocketUrl, account.accessToken))), { '*': 4 });
  record(
    await measure('WS {"action":"ping"}', async () => {
      const since = performance.now();
      socket.socket.send(JSON.stringify({ action: 'ping' }));
      await waitFor(() => firstOf(socket, 'pong', since) !== undefined, 5_000, 'a pong');
    }),
    { '*': 2 },
  );

  // --- avatars (one socket open, so each announcement is one PostToConnection)
  const changed = async (since: number) => waitFor(() => firstOf(socket, 'avatar.changed', since) !== undefined, 15_000, 'avatar.changed');
  let since = performance.now();
  let avatarUrl = '';
  record(
    await measure(
      'POST /api/user/avatar (first)',
      async () => (avatarUrl = (await uploadAvatar(base, account.accessToken, png)).json.data.avatarUrl as string),
      () => changed(since),
    ),
    { 'upload-avatar': 3, 'avatar-events': 5 }, // avatar-events: + ListObjectsV2 of older versions
  );
  since = performance.now();
  record(
    await measure(
      'POST /api/user/avatar (replacing)',
      async () => (avatarUrl = (await uploadAvatar(base, account.accessToken, png)).json.data.avatarUrl as string),
      () => changed(since),
    ),
    { 'upload-avatar': 4, 'avatar-events': 5 },
  );
  since = performance.now();
  record(
    await measure('POST /api/user/avatar/upload + browser POST to S3', () => directUpload(base, account.accessToken, png), () => changed(since)),
    // The upload grant: create-avatar-upload +1 PutItem +1 GetItem (the user still active); avatar-events +1 claim, +1 consume.
    { 'create-avatar-upload': 3, 'avatar-events': 13 },
  );
  avatarUrl = (await call(`${base}/api/user`, { headers: bearer(account.accessToken) })).json.data.user.avatarUrl as string;
  record(await measure('GET /avatars/{userId}/{version}', () => fetch(avatarUrl, { redirect: 'manual' }).then((r) => r.arrayBuffer())), { '*': 1 });

  // --- OAuth
  let oauthRefresh = '';
  record(
    await measure('POST /oauth/token (password)', async () => {
      const reply = await call(`${base}/oauth/token`, form({ grant_type: 'password', username: account.identifier, password: PASSWORD }));
      oauthRefresh = reply.json.refresh_token as string;
    }),
    { '*': 7 },
  );
  record(
    await measure('POST /oauth/token (refresh_token)', async () => {
      const reply = await call(`${base}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: oauthRefresh }));
      oauthRefresh = reply.json.refresh_token as string;
    }),
    { '*': 4 },
  );
  record(await measure('POST /oauth/revoke', () => call(`${base}/oauth/revoke`, form({ token: oauthRefresh }))), { '*': 2 });
  record(await measure('GET /.well-known/jwks.json', () => call(`${base}/.well-known/jwks.json`)), { '*': 0 });
  record(await measure('GET /.well-known/oauth-authorization-server', () => call(`${base}/.well-known/oauth-authorization-server`)), { '*': 0 });

  // --- account management (the socket still open, so each announcement is one PostToConnection)
  const json = (method: string, body?: unknown): RequestInit => ({
    method,
    headers: { ...bearer(account.accessToken), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  record(await measure('GET /api/user/export', () => call(`${base}/api/user/export`, json('GET'))), { '*': 3 }); // BatchGetItem (auth), Query byUser, BatchGetItem of the items
  record(await measure('GET /api/user/sessions', () => call(`${base}/api/user/sessions`, json('GET'))), { '*': 3 }); // BatchGetItem (auth), Query byUser RTF#, BatchGetItem
  const phone = '+44 20 7946 0123';
  // auth, claim PutItem, user UpdateItem, claim confirm UpdateItem; then the fan-out: Query CONN#, GetItem slots, GetItem record, BatchGetItem user + session, PostToConnection
  record(await measure('POST /api/user/identifiers', () => call(`${base}/api/user/identifiers`, json('POST', { identifier: phone }))), { '*': 9 });
  // auth, user UpdateItem, claim DeleteItem; then the same fan-out
  record(await measure('DELETE /api/user/identifiers/{identifier}', () => call(`${base}/api/user/identifiers/${encodeURIComponent(phone)}`, json('DELETE'))), { '*': 8 });
  await login(base, account.identifier);
  // auth, Query byUser RTF#, BatchGetItem of the sessions, then per ended session: UpdateItem (revoke), Query CONN# + GetItem slots for its sockets
  record(await measure('DELETE /api/user/sessions (other devices)', () => call(`${base}/api/user/sessions`, json('DELETE'))), { '*': '—' });
  await login(base, account.identifier);
  // The login back-off's reads and admission, the KDF's verify, the conditional UpdateItem of the hash, then ending
  // the other devices as above, and password.changed to this session's socket.
  record(
    await measure('POST /api/user/password (1 other device)', () =>
      call(`${base}/api/user/password`, json('POST', { currentPassword: PASSWORD, newPassword: `${PASSWORD} (changed)` })),
    ),
    { '*': '—' },
  );

  // --- closing a socket, then deleting the account (1 socket, 1 avatar, 3 sessions)
  const spare = await openSocket(stack.websocketUrl, account.accessToken);
  await sleep(QUIET_MS);
  record(
    await measure('WS close (client side)', async () => {
      spare.socket.close();
      await waitFor(() => spare.closedAt !== undefined, 5_000, 'the spare socket to close');
    }),
    { '*': 2 }, // DeleteItem of the record, UpdateItem freeing its slot
  );
  const owned = (await ownedItems(stack, account.userId)).length;
  record(await measure(`DELETE /api/user (${owned} items, 1 socket, 1 avatar)`, () => call(`${base}/api/user`, { method: 'DELETE', headers: bearer(account.accessToken) })), {
    'delete-user': deletionMinimum({ items: owned, sockets: 1, objects: 1 }),
    'ws-disconnect': 1,
  });

  printTable(
    'Work per request: SDK calls counted on the clients of the handler modules (embedded stack, in-process)',
    all.flatMap(({ measured, minimum }) => rows(measured, minimum)),
  );
  note(
    'RRU/WRU: DynamoDB on-demand request units estimated per call (strongly consistent read = 1 RRU per 4 KB, GSI query = 0.5;\n' +
      'write = 1 WRU per KB, +1 when an item enters or leaves the keys-only byUser index; a failed condition still costs 1).\n' +
      'ws-message and ws-disconnect run on socket events (a ping, a close), which no HTTP request causes; after DELETE, each\n' +
      'closed socket’s $disconnect deletes its (already deleted) connection record once more.',
  );

  const scaling = await scalingChecks(stack, png);
  return { requests: all.map(({ measured }) => summarise(measured)), ...scaling };
}

/** Design minimum for DELETE /api/user (docs/design.md, "Deleting an account"): two rounds, the user item last. */
function deletionMinimum({ items, sockets, objects, identifiers = 1 }: { items: number; sockets: number; objects: number; identifiers?: number }): number {
  const authenticate = 1; // BatchGetItem user + session
  const pendingRecord = 2; // GetItem of the user (its mark time), PutItem of the pending-deletion record; its DeleteItem is below
  const mark = 1;
  const listedClaims = 1 + identifiers; // GetItem of the user item's identifiers, a conditional DeleteItem per claim
  const round = (first: boolean) =>
    2 + // Query byUser CONN#, GetItem of the user's socket slots
    (first ? sockets * 2 + Math.ceil(sockets / 25) + Math.ceil(sockets / 50) : 0) + // PostToConnection, DeleteConnection per socket; their records a BatchWriteItem per 25, their slots an UpdateItem per 50
    2 + // ListObjectsV2 avatars/ and uploads/
    (first && objects > 0 ? 1 : 0) + // DeleteObjects
    1 + // Query byUser
    (first ? Math.ceil(Math.max(0, items - 1 - sockets - identifiers) / 25) : 0); // BatchWriteItem, 25 at a time (the claims went already)
  return authenticate + pendingRecord + mark + listedClaims + round(true) + round(false) + 1 + 1; // the user item, then the record
}

const loginBody = (identifier: string, password: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ identifier, password }),
});
const refreshBody = (refreshToken: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ refreshToken }),
});
const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

function tableClient(stack: EmbeddedStack) {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}

const ownedItems = (stack: EmbeddedStack, userId: string) => queryByUser(tableClient(stack), TABLE_NAME, userId);

/**
 * Other users, written straight into the table as sign-up writes them (pending, claim, active), with
 * one shared password hash: 1,000 argon2id hashes would take the bench a minute and prove nothing.
 */
async function seedUsers(stack: EmbeddedStack, count: number, passwordHash: string): Promise<void> {
  const users = createUsersRepository(tableClient(stack), TABLE_NAME);
  const seedOne = async () => {
    const identifier = await parseIdentifier(`seed-${randomUUID()}@example.com`);
    const id = randomUUID();
    const now = new Date();
    const until = new Date(now.getTime() + 300_000);
    await users.putPendingUser(
      {
        id,
        identifier: identifier.display,
        identifierType: identifier.type,
        identifierKey: identifier.key,
        passwordHash,
        registeredAt: now.toISOString(),
        status: 'pending',
        pendingUntil: until.toISOString(),
      },
      until,
    );
    await users.claimIdentifier(identifier, id);
    await users.activateUser(id, now);
  };
  for (let done = 0; done < count; done += 25) await Promise.all(Array.from({ length: Math.min(25, count - done) }, seedOne));
}

async function scalingChecks(stack: EmbeddedStack, png: Buffer) {
  const base = stack.url;
  const passwordHash = await createPasswordHasher().hash(PASSWORD);
  const unique = () => `bench-${randomUUID().slice(0, 8)}@example.com`;

  // The same four requests with 10 users in the table (9 others and the subject), then with 1,000.
  type Figures = { calls: number; detail: string; readUnits: number; writeUnits: number };
  const perPopulation: Record<string, Record<string, Figures>> = {};
  const probe = async (label: string) => {
    const subject = await register(base, unique());
    const results: Record<string, Figures> = {};
    const keep = (m: Measured) =>
      (results[m.request] = {
        calls: count(m.calls),
        detail: ['DynamoDB', 'S3', '@connections'].map((s) => byOperation(m.calls, s)).filter(Boolean).join(', '),
        readUnits: sum(m.calls, 'readUnits'),
        writeUnits: sum(m.calls, 'writeUnits'),
      });
    keep(await measure('GET /api/user', () => call(`${base}/api/user`, { headers: bearer(subject.accessToken) })));
    keep(await measure('POST /api/login', () => login(base, subject.identifier)));
    keep(await measure('POST /api/refresh', async () => Object.assign(subject, await refresh(base, subject.refreshToken))));
    keep(await measure('DELETE /api/user', () => call(`${base}/api/user`, { method: 'DELETE', headers: bearer(subject.accessToken) })));
    perPopulation[label] = results;
  };
  // Every account of the scenarios above is deleted by now: the table holds only what is seeded here.
  await seedUsers(stack, 9, passwordHash);
  await probe('10 users');
  await seedUsers(stack, 990, passwordHash);
  await probe('1,000 users');
  const [small, large] = Object.keys(perPopulation);
  printTable(
    'Calls do not grow with the number of users',
    Object.keys(perPopulation[small ?? ''] ?? {}).map((request) => {
      const a = perPopulation[small ?? '']?.[request];
      const b = perPopulation[large ?? '']?.[request];
      return {
        request,
        [`calls, ${small}`]: a?.calls,
        [`calls, ${large}`]: b?.calls,
        [`RRU/WRU, ${small}`]: a && `${a.readUnits} / ${a.writeUnits}`,
        [`RRU/WRU, ${large}`]: b && `${b.readUnits} / ${b.writeUnits}`,
        'calls (1,000 users)': b?.detail,
      };
    }),
  );

  // Deletion grows with the user's own items only: sessions, and the refresh tokens that rotation leaves behind.
  const deletion: Row[] = [];
  const deleteWith = async (what: string, prepare: (account: Account) => Promise<void>, extra: { sockets?: number; objects?: number } = {}) => {
    const subject = await register(base, unique());
    await prepare(subject);
    const sockets = await Promise.all(Array.from({ length: extra.sockets ?? 0 }, () => openSocket(stack.websocketUrl, subject.accessToken)));
    await sleep(QUIET_MS);
    const items = (await ownedItems(stack, subject.userId)).length;
    const window = await measure('DELETE /api/user', () => call(`${base}/api/user`, { method: 'DELETE', headers: bearer(subject.accessToken) }));
    // Only what delete-user itself called: each closed socket's $disconnect (ws-disconnect) comes on its own.
    const calls = window.calls.filter((c) => c.label === 'DELETE /api/user');
    await waitFor(() => sockets.every((socket) => socket.closedAt !== undefined), 10_000, 'deleted sockets to close');
    deletion.push({
      'the user has': what,
      'items owned': items,
      DynamoDB: byOperation(calls, 'DynamoDB'),
      S3: byOperation(calls, 'S3') || '—',
      '@connections': byOperation(calls, '@connections') || '—',
      calls: count(calls),
      'design minimum': deletionMinimum({ items, sockets: extra.sockets ?? 0, objects: extra.objects ?? 0 }),
      RRU: sum(calls, 'readUnits'),
      WRU: sum(calls, 'writeUnits'),
    });
  };
  await deleteWith('1 session', async () => undefined);
  await deleteWith('20 sessions', async (subject) => {
    for (let i = 0; i < 19; i++) await login(base, subject.identifier);
  });
  await deleteWith('1 session, refreshed 100 times', async (subject) => {
    for (let i = 0; i < 100; i++) Object.assign(subject, await refresh(base, subject.refreshToken));
  });
  await deleteWith(
    '1 session and an avatar',
    async (subject) => {
      await uploadAvatar(base, subject.accessToken, png);
      await sleep(1_000); // let the announcement finish outside the measured window
    },
    { objects: 1 },
  );
  await deleteWith('1 session and 10 open sockets', async () => undefined, { sockets: 10 });
  printTable('DELETE /api/user grows with the user’s own items only', deletion);
  return { population: perPopulation, deletion };
}
