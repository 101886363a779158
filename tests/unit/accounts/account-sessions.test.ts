import { addIdentifier } from '#lib/accounts/add-identifier';
import { authenticate } from '#lib/accounts/authenticate';
import { changePassword, type PasswordChangeDeps } from '#lib/accounts/change-password';
import { endOneSession, endOtherSessions } from '#lib/accounts/end-sessions';
import { listSessions } from '#lib/accounts/list-sessions';
import { login } from '#lib/accounts/login';
import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { startSession } from '#lib/accounts/sessions';
import type { SessionEndReason } from '#lib/storage/sessions-repository';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { signIn } from '#lib/accounts/sign-in';
import { createPasswordHasher, type PasswordHasher } from '#lib/passwords/password-hasher';
import { CHEAP_ARGON2, accountFixture, identifierChangeFixture } from '#tests/support/account-fixture';
import { expectHaloError } from '#tests/support/halo-error';
import { createInMemoryAbuseCounters } from '#tests/support/in-memory-abuse-counters';

const PASSWORD = 'plum-lantern-orbit-47';
const NEW_PASSWORD = 'copper-meadow-falcon-82';
const SOURCE = '198.51.100.10';

/** Alice signed up on one device ("phone") and logged in on another ("laptop"); sockets' endings recorded. */
async function world(settings: { maxSessionsPerUser?: number } = {}, options: { hasher?: PasswordHasher } = {}) {
  const fixture = await accountFixture(options);
  const ended: { sessionId: string; reason: SessionEndReason }[] = [];
  const announced: unknown[] = [];
  const deps = {
    ...fixture.deps,
    settings: { ...fixture.deps.settings, ...settings },
    sessionEnded: async (_userId: string, sessionId: string, reason: SessionEndReason) => void ended.push({ sessionId, reason }),
  };
  const throttle = { counters: createInMemoryAbuseCounters(), limits: DEFAULT_LIMITS.login, clock: fixture.clock };
  const passwordDeps: PasswordChangeDeps = { account: deps, throttle, announce: async (_userId, message) => void announced.push(message) };
  const device = async (tokens: { accessToken: string; refreshToken: string }) => ({
    ...tokens,
    sessionId: (await deps.accessTokens.verify(tokens.accessToken, fixture.clock())).sessionId,
  });
  const phone = await device((await register(deps, { identifier: 'alice@example.com', password: PASSWORD })).tokens);
  fixture.clock.advance(60);
  const laptop = await device((await login(deps, { identifier: 'alice@example.com', password: PASSWORD })).tokens);
  fixture.clock.advance(60);
  const change = (accessToken: string, currentPassword = PASSWORD, newPassword = NEW_PASSWORD) =>
    changePassword(passwordDeps, accessToken, { currentPassword, newPassword }, SOURCE);
  return { ...fixture, deps, throttle, passwordDeps, ended, announced, device, phone, laptop, change };
}

describe('changePassword', () => {
  it("ends every other session at once (access 401, refresh fails, sockets told) and keeps the caller's", async () => {
    const { deps, phone, laptop, change, ended, announced, sessions } = await world();
    expect(await change(laptop.accessToken)).toEqual({ endedSessions: 1 });

    await expectHaloError(authenticate(deps, phone.accessToken), 'invalid_token');
    await expectHaloError(refresh(deps, { refreshToken: phone.refreshToken }), 'invalid_grant');
    expect(sessions.sessions.get(phone.sessionId)?.revokedFor).toBe('password_changed');
    expect(ended).toEqual([{ sessionId: phone.sessionId, reason: 'password_changed' }]);
    expect(announced).toEqual([{ type: 'password.changed', data: { changedAt: expect.any(String) } }]);

    expect((await authenticate(deps, laptop.accessToken)).user.id).toBeDefined();
    const renewed = await refresh(deps, { refreshToken: laptop.refreshToken });
    expect((await authenticate(deps, renewed.accessToken)).claims.sessionId).toBe(laptop.sessionId);
  });

  it('makes the old password fail and the new one work at login', async () => {
    const { deps, laptop, change } = await world();
    await change(laptop.accessToken);
    await expectHaloError(login(deps, { identifier: 'alice@example.com', password: PASSWORD }), 'invalid_credentials');
    await login(deps, { identifier: 'alice@example.com', password: NEW_PASSWORD });
  });

  it('ends a session the byUser index does not list yet: authentication and refresh check passwordChangedAt', async () => {
    const { deps, phone, laptop, change, sessions } = await world();
    // The index lags: the change's clean-up finds no other session.
    const listSessions = sessions.listSessions;
    sessions.listSessions = async () => [];
    try {
      await change(laptop.accessToken);
    } finally {
      sessions.listSessions = listSessions;
    }
    expect(sessions.sessions.get(phone.sessionId)?.revokedAt).toBeUndefined();
    await expectHaloError(authenticate(deps, phone.accessToken), 'invalid_token');
    await expectHaloError(refresh(deps, { refreshToken: phone.refreshToken }), 'invalid_grant');
    // The refresh that found it ended revoked it, told why.
    expect(sessions.sessions.get(phone.sessionId)?.revokedFor).toBe('password_changed');
  });

  it('ends a login that read the user (old password) before the change, though its session was written after', async () => {
    const { deps, laptop, change, clock, device } = await world();
    const startedAt = clock();
    clock.advance(1);
    await change(laptop.accessToken);
    clock.advance(1);
    const { user } = await authenticate(deps, laptop.accessToken);
    const racing = await device(await startSession(deps, user.id, 'racing-login', { startedAt }));
    await expectHaloError(authenticate(deps, racing.accessToken), 'invalid_token');
  });

  it('ends a login that verified the old password while the change committed (its session counts from before its user read)', async () => {
    // The KDF run is the window: the change commits while the login is verifying the old password.
    const inner = createPasswordHasher(CHEAP_ARGON2);
    let duringVerify: (() => Promise<void>) | undefined;
    const hasher: PasswordHasher = {
      ...inner,
      async verify(password, phc) {
        const result = await inner.verify(password, phc);
        const hook = duringVerify;
        duringVerify = undefined;
        await hook?.();
        return result;
      },
    };
    const { deps, laptop, change, clock } = await world({}, { hasher });
    duringVerify = async () => {
      clock.advance(1);
      await change(laptop.accessToken);
      clock.advance(1);
    };
    const racing = await login(deps, { identifier: 'alice@example.com', password: PASSWORD });
    expect(duringVerify).toBeUndefined();
    await expectHaloError(authenticate(deps, racing.tokens.accessToken), 'invalid_token');
    await expectHaloError(refresh(deps, { refreshToken: racing.tokens.refreshToken }), 'invalid_grant');
  });

  it('refuses a wrong current password with 403 wrong_password, counted as a failed login of the account', async () => {
    const { deps, laptop, change, throttle, passwords } = await world();
    for (let i = 0; i < 5; i++) await expectHaloError(change(laptop.accessToken, 'not-the-password'), 'wrong_password', { currentPassword: 'is wrong' });
    const verified = passwords.calls.verify;
    // Backed off now, before any KDF run: the change and a login from the same source alike.
    await expectHaloError(change(laptop.accessToken), 'too_many_requests');
    expect(passwords.calls.verify).toBe(verified);
    await expectHaloError(signIn({ account: deps, throttle }, { identifier: 'ALICE@example.com', password: PASSWORD }, SOURCE), 'too_many_requests');
  });

  it('holds the new password to the sign-up policy, naming newPassword', async () => {
    const { laptop, change } = await world();
    await expectHaloError(change(laptop.accessToken, PASSWORD, 'short'), 'weak_password', { newPassword: 'must be at least 8 characters' });
    await expectHaloError(change(laptop.accessToken, PASSWORD, 'password123'), 'weak_password');
    await expectHaloError(change(laptop.accessToken, PASSWORD, 'alice@example.com'), 'weak_password');
    await expectHaloError(change(laptop.accessToken, PASSWORD, PASSWORD), 'weak_password', { newPassword: 'must differ from the current password' });
  });

  it('refuses as the new password any identifier of the account, not only the sign-up one', async () => {
    const fixture = await world();
    const { deps } = identifierChangeFixture(fixture);
    await addIdentifier(deps, fixture.laptop.accessToken, () => 'Alice-Nickname');
    await expectHaloError(fixture.change(fixture.laptop.accessToken, PASSWORD, 'alice-nickname'), 'weak_password', { newPassword: 'must not be the same as the identifier' });
  });

  it('answers 409 conflict when another change won the race, leaving that one in place', async () => {
    const { deps, laptop, phone, change, users } = await world();
    const stale = { ...(await authenticate(deps, laptop.accessToken)).user };
    await change(phone.accessToken);
    // A second change that verified against the hash the first one replaced.
    const winner = users.users.get(stale.id)?.passwordHash;
    expect(await deps.users.changePassword(stale.id, { oldHash: stale.passwordHash, newHash: 'x', changedAt: new Date(), changedBy: laptop.sessionId })).toBe(false);
    expect(users.users.get(stale.id)?.passwordHash).toBe(winner);
    await expectHaloError(change(laptop.accessToken), 'invalid_token');
  });

  it('refuses a caller whose session ended', async () => {
    const { phone, laptop, change } = await world();
    await change(laptop.accessToken);
    await expectHaloError(change(phone.accessToken, NEW_PASSWORD, 'another-fine-passphrase-9'), 'invalid_token');
  });
});

describe('listSessions', () => {
  it("lists the live sessions, newest first, marks the caller's, and holds nothing secret", async () => {
    const { deps, phone, laptop, clock } = await world();
    const { sessions } = await listSessions(deps, phone.accessToken);
    expect(sessions.map((s) => [s.id, s.current])).toEqual([
      [laptop.sessionId, false],
      [phone.sessionId, true],
    ]);
    expect(Object.keys(sessions[0] ?? {}).sort()).toEqual(['clientId', 'createdAt', 'current', 'endsAt', 'id', 'lastUsedAt']);
    expect(JSON.stringify(sessions)).not.toContain(phone.refreshToken);
    expect(sessions[1]?.createdAt).toBe(sessions[1]?.lastUsedAt);

    // "Last used" is the last time it got tokens: a refresh moves it.
    clock.advance(300);
    await refresh(deps, { refreshToken: phone.refreshToken });
    const after = (await listSessions(deps, laptop.accessToken)).sessions.find((s) => s.id === phone.sessionId);
    expect(after?.lastUsedAt).toBe(clock().toISOString());
    expect(after?.createdAt).not.toBe(after?.lastUsedAt);
  });

  it('leaves out revoked sessions and those a password change ended', async () => {
    const { deps, phone, laptop, change } = await world();
    await endOneSession(deps, laptop.accessToken, phone.sessionId);
    expect((await listSessions(deps, laptop.accessToken)).sessions.map((s) => s.id)).toEqual([laptop.sessionId]);
    const third = await login(deps, { identifier: 'alice@example.com', password: PASSWORD });
    await change(third.tokens.accessToken);
    expect((await listSessions(deps, third.tokens.accessToken)).sessions).toHaveLength(1);
  });

  it("shows the caller's own session even when the index does not list it yet", async () => {
    const { deps, phone, sessions } = await world();
    const listSessionsOf = sessions.listSessions;
    sessions.listSessions = async () => [];
    try {
      expect((await listSessions(deps, phone.accessToken)).sessions.map((s) => s.id)).toEqual([phone.sessionId]);
    } finally {
      sessions.listSessions = listSessionsOf;
    }
  });
});

describe('endOneSession / endOtherSessions', () => {
  it('ends another device: its tokens fail at once and its sockets are told signed_out', async () => {
    const { deps, phone, laptop, ended } = await world();
    await endOneSession(deps, laptop.accessToken, phone.sessionId);
    await expectHaloError(authenticate(deps, phone.accessToken), 'invalid_token');
    await expectHaloError(refresh(deps, { refreshToken: phone.refreshToken }), 'invalid_grant');
    expect(ended).toEqual([{ sessionId: phone.sessionId, reason: 'signed_out' }]);
    await authenticate(deps, laptop.accessToken);
  });

  it("ends the caller's own session (signing this device out)", async () => {
    const { deps, laptop } = await world();
    await endOneSession(deps, laptop.accessToken, laptop.sessionId);
    await expectHaloError(authenticate(deps, laptop.accessToken), 'invalid_token');
  });

  it.each([
    ['unknown', 'no-such-session'],
    ['hostile', "' OR 1=1 --"],
    ['too long', 'a'.repeat(65)],
    ['empty', ''],
  ])('answers 404 for an %s session id', async (_kind, sessionId) => {
    const { deps, laptop } = await world();
    await expectHaloError(endOneSession(deps, laptop.accessToken, sessionId), 'not_found', { sessionId: 'is not a live session of this account' });
  });

  it("answers 404 for another user's session and leaves it alive", async () => {
    const { deps, phone } = await world();
    const bob = await register(deps, { identifier: 'bob', password: PASSWORD });
    await expectHaloError(endOneSession(deps, bob.tokens.accessToken, phone.sessionId), 'not_found');
    await authenticate(deps, phone.accessToken);
  });

  it('answers 404 for a session already ended', async () => {
    const { deps, phone, laptop } = await world();
    await endOneSession(deps, laptop.accessToken, phone.sessionId);
    await expectHaloError(endOneSession(deps, laptop.accessToken, phone.sessionId), 'not_found');
  });

  it("ends every session but the caller's", async () => {
    const { deps, phone, laptop, device, ended } = await world();
    const tablet = await device((await login(deps, { identifier: 'alice@example.com', password: PASSWORD })).tokens);
    expect(await endOtherSessions(deps, laptop.accessToken)).toEqual({ endedSessions: 2 });
    for (const other of [phone, tablet]) await expectHaloError(authenticate(deps, other.accessToken), 'invalid_token');
    expect(ended.map((e) => e.reason)).toEqual(['signed_out', 'signed_out']);
    expect((await listSessions(deps, laptop.accessToken)).sessions.map((s) => s.id)).toEqual([laptop.sessionId]);
  });
});

describe('the cap on sessions per user (MAX_SESSIONS_PER_USER)', () => {
  it('ends the oldest sessions past the cap at the next login, told session_limit', async () => {
    const { deps, phone, laptop, device, ended, clock } = await world({ maxSessionsPerUser: 3 });
    clock.advance(1);
    const tablet = await device((await login(deps, { identifier: 'alice@example.com', password: PASSWORD })).tokens);
    expect(ended).toEqual([]);
    clock.advance(1);
    const watch = await device((await login(deps, { identifier: 'alice@example.com', password: PASSWORD })).tokens);

    expect(ended).toEqual([{ sessionId: phone.sessionId, reason: 'session_limit' }]);
    await expectHaloError(authenticate(deps, phone.accessToken), 'invalid_token');
    const live = (await listSessions(deps, watch.accessToken)).sessions.map((s) => s.id);
    expect(live).toEqual([watch.sessionId, tablet.sessionId, laptop.sessionId]);
  });

  it('counts a session without createdAt (opened before it was recorded) as the oldest', async () => {
    const { deps, phone, laptop, sessions, ended } = await world({ maxSessionsPerUser: 2 });
    const legacy = sessions.sessions.get(laptop.sessionId);
    if (!legacy) throw new Error('no laptop session');
    sessions.sessions.set(laptop.sessionId, { ...legacy, createdAt: undefined });
    await login(deps, { identifier: 'alice@example.com', password: PASSWORD });
    expect(ended).toEqual([{ sessionId: laptop.sessionId, reason: 'session_limit' }]);
    await authenticate(deps, phone.accessToken);
  });

  it('never fails the login when trimming fails', async () => {
    const { deps, sessions } = await world({ maxSessionsPerUser: 1 });
    sessions.listSessions = async () => {
      throw new Error('DynamoDB is down');
    };
    await login(deps, { identifier: 'alice@example.com', password: PASSWORD });
  });
});
