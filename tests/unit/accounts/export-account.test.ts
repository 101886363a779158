import { exportAccount, EXPORT_FORMAT, NOT_EXPORTED, type ExportDeps } from '#lib/accounts/export-account';
import { login } from '#lib/accounts/login';
import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { hashRefreshToken } from '#lib/tokens/refresh-token-secret';
import { accountFixture } from '#tests/support/account-fixture';
import { expectHaloError } from '#tests/support/halo-error';
import { createInMemoryConnections } from '#tests/support/in-memory-connections';
import { createInMemoryOwnedItems } from '#tests/support/in-memory-owned-items';

/** Every key of every object in a JSON value, however deep. */
/** The value, or the test fails here saying what was missing. */
function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`expected ${what}`);
  return value;
}

const keysOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.flatMap(keysOf) : value && typeof value === 'object' ? Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)]) : [];

/** Alice with two sessions (one refreshed once) and a socket; Bob beside her, who must not appear in her export. */
async function aliceWithTwoDevices() {
  const fixture = await accountFixture();
  const connections = createInMemoryConnections();
  const ownedItems = createInMemoryOwnedItems({ users: fixture.users, sessions: fixture.sessions, connections });
  const deps: ExportDeps = { ...fixture.deps, ownedItems };
  const password = 'plum-lantern-orbit-47';
  const signUp = await register(fixture.deps, { identifier: 'alice@example.com', password });
  const bob = await register(fixture.deps, { identifier: 'bob@example.com', password: 'plum-lantern-orbit-48' });
  fixture.clock.advance(60);
  const phone = await login(fixture.deps, { identifier: 'alice@example.com', password, clientId: 'alice-phone' });
  fixture.clock.advance(60);
  const refreshed = await refresh(fixture.deps, { refreshToken: phone.tokens.refreshToken, clientId: 'alice-phone' });
  const [, phoneSession] = [...fixture.sessions.sessions.values()].filter((session) => session.userId === signUp.user.id);
  await connections.put({ connectionId: 'socket-1', userId: signUp.user.id, connectedAt: fixture.clock().toISOString(), sessionId: present(phoneSession, 'the phone session').id });
  return { ...fixture, deps, ownedItems, signUp, bob, phone, refreshed, phoneSession: present(phoneSession, 'the phone session') };
}

describe('exportAccount', () => {
  it('holds the account, its identifiers, every session with its tokens\' dates, and its sockets', async () => {
    const { deps, signUp, refreshed, phoneSession, clock } = await aliceWithTwoDevices();
    const { export: exported } = await exportAccount(deps, refreshed.accessToken);

    expect(exported.format).toBe(EXPORT_FORMAT);
    expect(exported.exportedAt).toBe(clock().toISOString());
    expect(exported.account).toEqual({ id: signUp.user.id, status: 'active', registeredAt: signUp.user.registeredAt, passwordChangedAt: null });
    expect(exported.identifiers).toEqual([expect.objectContaining({ type: 'email', value: 'alice@example.com' })]);
    expect(exported.avatar).toBeNull();
    expect(exported.sessions).toHaveLength(2);
    const current = present(exported.sessions.find((session) => session.current), 'a current session');
    expect(current).toMatchObject({ id: phoneSession.id, clientId: 'alice-phone', endedAt: null });
    // The phone's login token, rotated out by the refresh, and its successor.
    expect(current.refreshTokens).toHaveLength(2);
    expect(current.refreshTokens.filter((token) => token.rotatedAt !== null)).toHaveLength(1);
    expect(exported.sessions.filter((session) => !session.current)).toEqual([expect.objectContaining({ clientId: 'halo-test-client' })]);
    expect(exported.sockets).toEqual([{ connectionId: 'socket-1', connectedAt: expect.any(String), sessionId: phoneSession.id }]);
    expect(exported.otherRecords).toEqual([]);
    expect(exported.notIncluded).toEqual(NOT_EXPORTED);
  });

  it('holds nothing secret and nothing of another account', async () => {
    const { deps, users, signUp, bob, phone, refreshed } = await aliceWithTwoDevices();
    const text = JSON.stringify(await exportAccount(deps, refreshed.accessToken));

    const secrets = [
      present(users.users.get(signUp.user.id), 'alice').passwordHash,
      signUp.tokens.refreshToken,
      hashRefreshToken(signUp.tokens.refreshToken),
      phone.tokens.refreshToken,
      hashRefreshToken(phone.tokens.refreshToken),
      refreshed.refreshToken,
      hashRefreshToken(refreshed.refreshToken),
      refreshed.accessToken,
      signUp.tokens.accessToken,
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
    for (const key of ['passwordHash', 'tokenHash', 'rotationId', 'pk', 'sk', 'gsi1pk', 'gsi1sk', 'ttl', 'claimedBy']) {
      expect(keysOf(JSON.parse(text))).not.toContain(key);
    }
    expect(text).not.toContain(bob.user.id);
    expect(text).not.toContain('bob@example.com');
  });

  it('lists an item of a kind it does not know, by kind only, rather than leave it out', async () => {
    const { deps, ownedItems, refreshed } = await aliceWithTwoDevices();
    const withUnknown: ExportDeps = {
      ...deps,
      ownedItems: { readAll: async (userId) => [...(await ownedItems.readAll(userId)), { gsi1sk: 'FUTURE#x1', secret: 's3cr3t' }] },
    };
    const { export: exported } = await exportAccount(withUnknown, refreshed.accessToken);
    expect(exported.otherRecords).toEqual([{ kind: 'FUTURE' }]);
    expect(JSON.stringify(exported)).not.toContain('s3cr3t');
  });

  it('shows an ended session as ended, with why', async () => {
    const { deps, sessions, signUp, refreshed, clock } = await aliceWithTwoDevices();
    const signUpSession = present([...sessions.sessions.values()].find((session) => session.clientId === 'halo-test-client'), 'the sign-up session');
    await sessions.revokeSession(signUpSession.id, clock(), 'revoked');
    const { export: exported } = await exportAccount(deps, refreshed.accessToken);
    expect(exported.sessions.find((session) => session.id === signUpSession.id)).toMatchObject({ endedAt: clock().toISOString(), endedFor: 'revoked' });
    expect(signUp.user.id).toBe(exported.account.id);
  });

  it('refuses an invalid or revoked token', async () => {
    const { deps, sessions, phoneSession, refreshed, clock } = await aliceWithTwoDevices();
    await expectHaloError(exportAccount(deps, 'not-a-token'), 'invalid_token');
    await sessions.revokeSession(phoneSession.id, clock(), 'revoked');
    await expectHaloError(exportAccount(deps, refreshed.accessToken), 'invalid_token');
  });
});
