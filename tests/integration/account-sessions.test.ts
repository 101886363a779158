import { authenticate } from '#lib/accounts/authenticate';
import { changePassword } from '#lib/accounts/change-password';
import { endOneSession } from '#lib/accounts/end-sessions';
import { listSessions } from '#lib/accounts/list-sessions';
import { login } from '#lib/accounts/login';
import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { fanOut } from '#lib/sockets/fan-out';
import { connectSocket } from '#lib/sockets/socket-sessions';
import { createAbuseCountersRepository } from '#lib/storage/abuse-counters-repository';
import { createConnectionsRepository } from '#lib/storage/connections-repository';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { createFakeSocketSender } from '#tests/support/fake-socket-sender';
import { realAccountDeps } from '../support/real-account-deps';
import { createTestTable, type TestTable } from '../support/test-table';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});
afterAll(() => table.close());

const PASSWORD = 'a sound passphrase';
const NEW_PASSWORD = 'an even sounder passphrase';

const sessionIdOf = async (deps: ReturnType<typeof realAccountDeps>, accessToken: string) =>
  (await deps.accessTokens.verify(accessToken, deps.clock())).sessionId;

describe('account sessions against DynamoDB (dynalite, and DynamoDB Local in its pass)', () => {
  it('writes createdAt and lastUsedAt, moves lastUsedAt at each refresh, and lists sessions with strong consistency', async () => {
    let now = new Date('2026-01-01T00:00:00.000Z');
    const deps = realAccountDeps(table, { clock: () => now });
    const { tokens } = await register(deps, { identifier: 'lister', password: PASSWORD });
    now = new Date('2026-01-01T01:00:00.000Z');
    const renewed = await refresh(deps, { refreshToken: tokens.refreshToken });
    const { sessions } = await listSessions(deps, renewed.accessToken);
    expect(sessions).toEqual([
      {
        id: await sessionIdOf(deps, renewed.accessToken),
        clientId: 'test-client',
        createdAt: '2026-01-01T00:00:00.000Z',
        lastUsedAt: '2026-01-01T01:00:00.000Z',
        endsAt: expect.any(String),
        current: true,
      },
    ]);
  });

  it('lists more sessions than one BatchGetItem takes (100 keys)', async () => {
    const deps = realAccountDeps(table);
    const { user, tokens } = await register(deps, { identifier: 'many-devices', password: PASSWORD });
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    for (let i = 0; i < 104; i++) {
      const id = `bulk-${i}`;
      await deps.sessions.startSession(
        { id, userId: user.id, clientId: 'bulk', createdAt: new Date().toISOString() },
        { tokenHash: `hash-${id}`, sessionId: id, userId: user.id, clientId: 'bulk', expiresAt },
      );
    }
    expect(await deps.sessions.listSessions(user.id)).toHaveLength(105);
    expect((await listSessions(deps, tokens.accessToken)).sessions).toHaveLength(105);
  });

  it('a password change: one conditional write; the other session is refused by authentication, refresh and socket delivery', async () => {
    const account = realAccountDeps(table);
    const throttle = { counters: createAbuseCountersRepository(table.db, table.tableName), limits: DEFAULT_LIMITS.login, clock: account.clock };
    const connections = createConnectionsRepository(table.db, table.tableName);
    const sockets = createFakeSocketSender();
    const phone = (await register(account, { identifier: 'changer', password: PASSWORD })).tokens;
    const laptop = (await login(account, { identifier: 'changer', password: PASSWORD })).tokens;
    const user = (await authenticate(account, laptop.accessToken)).user;
    await connectSocket({ account, connections, limits: { perUser: 20 } }, 'c-phone', phone.accessToken);
    await connectSocket({ account, connections, limits: { perUser: 20 } }, 'c-laptop', laptop.accessToken);

    // The index "lags": the change finds no session to revoke, so only passwordChangedAt ends the phone's.
    const deps = { account: { ...account, sessions: { ...account.sessions, listSessions: async () => [] } }, throttle };
    await changePassword(deps, laptop.accessToken, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, '192.0.2.1');
    const stored = await account.users.getUser(user.id);
    expect(stored).toMatchObject({ passwordChangedAt: expect.any(String), passwordChangedBy: await sessionIdOf(account, laptop.accessToken) });
    expect(stored?.passwordHash).not.toBe(user.passwordHash);

    await expect(authenticate(account, phone.accessToken)).rejects.toMatchObject({ code: 'invalid_token' });
    const result = await fanOut({ connections, sockets, sessions: account.sessions }, user.id, { type: 'avatar.changed', data: {} });
    expect(result).toEqual({ sent: 1, gone: 1, failed: 0 });
    expect(sockets.sent).toContainEqual({ connectionId: 'c-phone', message: { type: 'session.ended', data: { reason: 'password_changed' } } });
    expect(sockets.closed).toEqual(['c-phone']);
    await expect(refresh(account, { refreshToken: phone.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
    await expect(authenticate(account, laptop.accessToken)).resolves.toBeDefined();
    await expect(refresh(account, { refreshToken: laptop.refreshToken })).resolves.toBeDefined();
  });

  it('of two password changes racing from the same verified hash, exactly one wins', async () => {
    const deps = realAccountDeps(table);
    await register(deps, { identifier: 'racer', password: PASSWORD });
    const { user } = await login(deps, { identifier: 'racer', password: PASSWORD });
    const stored = await deps.users.getUser(user.id);
    const change = (newHash: string, changedBy: string) =>
      deps.users.changePassword(user.id, { oldHash: stored?.passwordHash ?? '', newHash, changedAt: new Date(), changedBy });
    const outcomes = await Promise.all([change('hash-a', 's-a'), change('hash-b', 's-b')]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const after = await deps.users.getUser(user.id);
    expect(after?.passwordHash).toBe(outcomes[0] ? 'hash-a' : 'hash-b');
    expect(after?.passwordChangedBy).toBe(outcomes[0] ? 's-a' : 's-b');
  });

  it('ending one session revokes it (signed_out); the cap ends the oldest past MAX_SESSIONS_PER_USER (session_limit)', async () => {
    const base = realAccountDeps(table);
    const endings: string[] = [];
    const deps = { ...base, settings: { ...base.settings, maxSessionsPerUser: 2 }, sessionEnded: async (_u: string, s: string, r: string) => void endings.push(`${s}:${r}`) };
    const first = (await register(deps, { identifier: 'capped', password: PASSWORD })).tokens;
    const second = (await login(deps, { identifier: 'capped', password: PASSWORD })).tokens;
    const third = (await login(deps, { identifier: 'capped', password: PASSWORD })).tokens;
    const firstId = await sessionIdOf(deps, first.accessToken);
    expect(endings).toEqual([`${firstId}:session_limit`]);
    expect((await deps.sessions.getSession(firstId))?.revokedFor).toBe('session_limit');

    const secondId = await sessionIdOf(deps, second.accessToken);
    await endOneSession(deps, third.accessToken, secondId);
    expect((await deps.sessions.getSession(secondId))?.revokedFor).toBe('signed_out');
    expect((await listSessions(deps, third.accessToken)).sessions.map((s) => s.current)).toEqual([true]);
  });
});
