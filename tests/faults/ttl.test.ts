import { authenticateForDeletion } from '#lib/accounts/authenticate';
import { deleteAccount, type DeletionDeps } from '#lib/accounts/delete-account';
import { login } from '#lib/accounts/login';
import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { parseIdentifier } from '#lib/identifiers/parse-identifier';
import { fanOut } from '#lib/sockets/fan-out';
import { createAbuseCountersRepository } from '#lib/storage/abuse-counters-repository';
import { CONNECTION_TTL_SECONDS, createConnectionsRepository } from '#lib/storage/connections-repository';
import { createOwnedItemsRepository } from '#lib/storage/owned-items';
import { PENDING_DELETIONS_PARTITION } from '#lib/storage/table-design';
import { finishStalledDeletions } from '#lib/accounts/finish-deletions';
import { createPendingDeletionsRepository } from '#lib/storage/pending-deletions-repository';
import { DELETING_USER_TTL_SECONDS } from '#lib/storage/users-repository';
import { createFakeSocketSender } from '../support/fake-socket-sender';
import { createInMemoryObjects } from '../support/in-memory-objects';
import { findOrphans } from '../support/orphan-scan';
import { realAccountDeps } from '../support/real-account-deps';
import { createTestTable, type TestTable } from '../support/test-table';

/**
 * DynamoDB deletes expired items late ("typically within two days"), and until then they are read like any other
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html). dynalite never
 * deletes them; behind the index-lag proxy a test runs TTL at the moment it chooses (`expire`). Expired items must
 * read as gone before TTL runs, and TTL running at any moment, even in the middle of a flow, must break nothing.
 */

let table: TestTable;
let now = new Date('2026-06-01T12:00:00.000Z');
const clock = () => now;
const later = (seconds: number) => (now = new Date(now.getTime() + seconds * 1000));
const runTtl = async () => {
  if (!table.indexLag) throw new Error('no index-lag proxy');
  const deleted = await table.indexLag.expire(table.tableName, now);
  table.indexLag.release();
  return deleted;
};
const orphans = async () => findOrphans({ items: await table.scanAll(), objectKeys: [], now });
const kinds = async (userId: string) =>
  (await table.scanAll())
    .filter((item) => item.userId === userId || item.id === userId)
    .map((item) => (item.pk === PENDING_DELETIONS_PARTITION ? 'DELETING' : String(item.sk)))
    .sort();

beforeAll(async () => {
  table = await createTestTable({ indexLag: { ms: 0 } });
});
afterAll(() => table.close());

const PASSWORD = 'a sound passphrase';

describe('expired items, before and after TTL deletes them', () => {
  it('an abandoned sign-up: its claim is taken over while it lingers, and TTL then removes only what was abandoned', async () => {
    const deps = realAccountDeps(table, { clock });
    const identifier = await parseIdentifier('ttl-abandoned');
    // A sign-up that died after claiming its identifier: the pending user and its claim stay behind.
    const abandoned = { id: 'abandoned-user', identifier: 'ttl-abandoned', identifierType: identifier.type, identifierKey: identifier.key, passwordHash: 'x', registeredAt: now.toISOString(), status: 'pending' as const, pendingUntil: new Date(now.getTime() + 300_000).toISOString() };
    await deps.users.putPendingUser(abandoned, new Date(now.getTime() + 300_000));
    expect(await deps.users.claimIdentifier(identifier, abandoned.id)).toBe(true);

    later(301); // past its sign-up window; TTL has not run
    const { user } = await register(deps, { identifier: 'ttl-abandoned', password: PASSWORD });
    expect(await deps.users.getUser(abandoned.id)).toMatchObject({ status: 'pending' }); // lingering
    expect(await orphans()).toEqual(['USER#abandoned-user: pending user past its sign-up window']);

    expect(await runTtl()).toEqual(['USER#abandoned-user']);
    expect(await login(deps, { identifier: 'ttl-abandoned', password: PASSWORD })).toMatchObject({ user: { id: user.id } });
    expect(await orphans()).toEqual([]);
  });

  it('an expired refresh token is refused while it lingers and after TTL removes it, and never counts as reuse', async () => {
    const deps = realAccountDeps(table, { clock });
    const { user, tokens } = await register(deps, { identifier: 'ttl-refresh', password: PASSWORD });
    later(deps.settings.refreshTokenTtlSeconds + 1);

    await expect(refresh(deps, { refreshToken: tokens.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant', fields: { refreshToken: 'is invalid or has expired' } });
    expect(await kinds(user.id)).toEqual(['IDENT', 'RT', 'RTF', 'USER']); // lingering, unused
    expect(await runTtl()).toEqual(expect.arrayContaining([expect.stringMatching(/^RT#/), expect.stringMatching(/^RTF#/)]));
    await expect(refresh(deps, { refreshToken: tokens.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant', fields: { refreshToken: 'is invalid or has expired' } });
    expect(await kinds(user.id)).toEqual(['IDENT', 'USER']);
    expect(await orphans()).toEqual([]);
  });

  it('a session TTL deletes in the middle of a refresh: the refresh is refused and leaves nothing behind', async () => {
    const base = realAccountDeps(table, { clock });
    const { user, tokens } = await register(base, { identifier: 'ttl-mid-refresh', password: PASSWORD });
    // The refresh starts just before the token expires; between its rotation and extending the session, TTL runs.
    later(base.settings.refreshTokenTtlSeconds - 1);
    const deps = {
      ...base,
      sessions: {
        ...base.sessions,
        async getUserAndSession(userId: string, sessionId: string) {
          later(2);
          await runTtl();
          return base.sessions.getUserAndSession(userId, sessionId);
        },
      },
    };
    await expect(refresh(deps, { refreshToken: tokens.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(await kinds(user.id)).toEqual(['IDENT', 'USER']);
    expect(await orphans()).toEqual([]);
  });

  it('an expired abuse count reads as none, restarts, and TTL leaves the restarted count alone', async () => {
    const counters = createAbuseCountersRepository(table.db, table.tableName);
    const key = { scope: 'login-pair', subject: 'ttl-counter' };
    await counters.addFailure(key, now, 60);
    await counters.addFailure(key, now, 60);
    later(61 + 60); // past the count's memory and its TTL margin
    expect(await counters.read([key], now)).toEqual([undefined]);
    expect(await counters.addFailure(key, now, 60)).toMatchObject({ failures: 1 });
    expect(await runTtl()).toEqual([]); // rewritten with a new TTL before TTL got to it
    expect(await counters.read([key], now)).toEqual([expect.objectContaining({ failures: 1 })]);
    later(121);
    expect(await runTtl()).toEqual([expect.stringMatching(/^ABUSE#login-pair#/)]);
    expect(await counters.read([key], now)).toEqual([undefined]);
  });

  it('a connection record past its TTL: fan-out removes it while it lingers, and its slot once TTL removed the record', async () => {
    const deps = realAccountDeps(table, { clock });
    const { user } = await register(deps, { identifier: 'ttl-socket', password: PASSWORD });
    const connections = createConnectionsRepository(table.db, table.tableName);
    const sockets = createFakeSocketSender();
    for (const id of ['lingering=', 'ttl-deleted=']) {
      sockets.markGone(id);
      await connections.put({ connectionId: id, userId: user.id, connectedAt: now.toISOString() });
      expect(await connections.claimSlot(user.id, id, now.toISOString(), 20)).toBe(true);
    }
    later(CONNECTION_TTL_SECONDS + 1); // both sockets died without a $disconnect
    table.indexLag?.setLag('hold');
    await table.indexLag?.expire(table.tableName, now).then(() => undefined); // both records go; the index still lists them
    await connections.put({ connectionId: 'lingering=', userId: user.id, connectedAt: new Date(now.getTime() - (CONNECTION_TTL_SECONDS + 1) * 1000).toISOString() });

    expect(await fanOut({ connections, sockets, clock }, user.id, { type: 'test' })).toEqual({ sent: 0, gone: 2, failed: 0 });
    expect(await connections.slots(user.id)).toEqual({});
    expect(await kinds(user.id)).toEqual(['IDENT', 'RT', 'RTF', 'USER']);
    table.indexLag?.setLag({ ms: 0 });
    table.indexLag?.release();
    expect(await connections.listForUser(user.id)).toEqual([]);
    expect(await orphans()).toEqual([]);
  });

  it('a deletion stopped by a socket that cannot be closed, never retried: what it keeps holds no secret and TTL removes it all', async () => {
    const deps = realAccountDeps(table, { clock });
    const { user, tokens } = await register(deps, { identifier: 'ttl-stopped-deletion', password: PASSWORD });
    const connections = createConnectionsRepository(table.db, table.tableName);
    const sockets = createFakeSocketSender();
    sockets.failCloses('stuck=');
    await connections.put({ connectionId: 'stuck=', userId: user.id, connectedAt: now.toISOString() });
    expect(await connections.claimSlot(user.id, 'stuck=', now.toISOString(), 20)).toBe(true);
    const deletion: DeletionDeps = {
      users: deps.users,
      ownedItems: createOwnedItemsRepository(table.db, table.tableName),
      connections,
      sockets,
      objects: createInMemoryObjects(),
      pendingDeletions: createPendingDeletionsRepository(table.db, table.tableName),
      clock,
      indexSettleMs: 0,
    };
    const userItem = async () => (await table.scanAll()).find((item) => item.id === user.id);
    // What DELETE /api/user runs (functions/delete-user.ts).
    const deleteRequest = async () => deleteAccount(deletion, await authenticateForDeletion(deps, tokens.accessToken));

    later(60);
    await expect(deleteRequest()).rejects.toMatchObject({ code: 'unavailable' });
    expect(await kinds(user.id)).toEqual(['CONN', 'DELETING', 'USER']);
    const kept = await userItem();
    expect(Object.keys(kept ?? {}).filter((name) => /password|identifier/i.test(name))).toEqual([]);
    expect(JSON.stringify(kept)).not.toContain('ttl-stopped-deletion');
    const expiresAt = now.getTime() / 1000 + DELETING_USER_TTL_SECONDS;
    expect(kept).toMatchObject({ status: 'deleting', ttl: Math.floor(expiresAt) });
    // Past API Gateway's 2-hour limit on any connection, and no earlier than the record of a socket opened before the mark.
    expect(DELETING_USER_TTL_SECONDS).toBeGreaterThan(2 * 3600);
    expect(Number(kept?.ttl)).toBeGreaterThanOrEqual(Number((await table.scanAll()).find((item) => item.pk === 'CONN#stuck=')?.ttl));

    later(600); // the client retries with the same token while the socket still resists: same answer, same TTL
    await expect(deleteRequest()).rejects.toMatchObject({ code: 'unavailable' });
    expect(await userItem()).toMatchObject({ status: 'deleting', ttl: Math.floor(expiresAt) });

    // Nobody retries again; TTL before its time removes nothing, after it everything of the user.
    expect(await runTtl()).toEqual([]);
    now = new Date(expiresAt * 1000 + 1000);
    expect((await runTtl()).sort()).toEqual(['CONN#stuck=', `USER#${user.id}`]);
    // The pending-deletion record has no TTL: it outlives the user item, and the finisher's next run ends it.
    expect(await kinds(user.id)).toEqual(['DELETING']);
    expect(await finishStalledDeletions(deletion)).toMatchObject({ finished: [user.id], failed: [] });
    expect(await kinds(user.id)).toEqual([]);
    expect((await table.scanAll()).filter((item) => item.gsi1pk === `USER#${user.id}`)).toEqual([]);
    expect(await orphans()).toEqual([]);
  });
});
