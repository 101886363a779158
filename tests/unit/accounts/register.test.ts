import { login } from '#lib/accounts/login';
import { register } from '#lib/accounts/register';
import { hashRefreshToken, looksLikeRefreshToken } from '#lib/tokens/refresh-token-secret';
import { ACCESS_TOKEN_TTL_SECONDS, DEFAULT_CLIENT_ID, PENDING_SIGN_UP_SECONDS, REFRESH_TOKEN_TTL_SECONDS,
  SESSION_ABSOLUTE_LIFETIME_SECONDS, accountFixture, type AccountFixture } from '#tests/support/account-fixture';
import { expectHaloError } from '#tests/support/halo-error';

const PASSWORD = 'plum-lantern-orbit-47';

/** Makes the next activation throw, as if the Lambda died between claiming the identifier and activating. */
/** The process dies just before activation: that step and every clean-up after it never run. */
function crashBeforeActivation(fixture: AccountFixture) {
  const { activateUser, deletePendingUser } = fixture.users;
  fixture.users.activateUser = async () => {
    fixture.users.activateUser = activateUser;
    throw new Error('Lambda timed out');
  };
  fixture.users.deletePendingUser = async () => {
    fixture.users.deletePendingUser = deletePendingUser;
    throw new Error('Lambda timed out');
  };
}

describe('register', () => {
  it('creates an active user and its first session', async () => {
    const { deps, users, sessions, clock } = await accountFixture();
    const { user, tokens } = await register(deps, { identifier: 'Alice@Example.com', password: PASSWORD });

    expect(user).toEqual({
      id: 'id-1',
      identifier: 'alice@example.com',
      identifierType: 'email',
      identifiers: [{ type: 'email', value: 'alice@example.com', addedAt: clock().toISOString() }],
      avatarUrl: null,
      registeredAt: clock().toISOString(),
    });
    expect(tokens).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_TTL_SECONDS });
    expect(looksLikeRefreshToken(tokens.refreshToken)).toBe(true);

    const stored = users.users.get(user.id);
    expect(stored).toMatchObject({ status: 'active', identifierKey: 'alice@example.com', pendingUntil: undefined });
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(users.claims.get('email#alice@example.com')).toEqual({ userId: user.id });

    const claims = await deps.accessTokens.verify(tokens.accessToken, clock());
    expect(claims).toEqual({ userId: user.id, sessionId: expect.any(String), clientId: DEFAULT_CLIENT_ID });
    expect(sessions.sessions.get(claims.sessionId)).toEqual({
      id: claims.sessionId,
      userId: user.id,
      clientId: DEFAULT_CLIENT_ID,
      endsAt: expect.any(String),
      createdAt: clock().toISOString(),
      lastUsedAt: clock().toISOString(),
    });
    expect(sessions.tokens.get(hashRefreshToken(tokens.refreshToken))).toEqual({
      tokenHash: hashRefreshToken(tokens.refreshToken),
      sessionId: claims.sessionId,
      userId: user.id,
      clientId: DEFAULT_CLIENT_ID,
      expiresAt: new Date(clock().getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString(),
      sessionEndsAt: new Date(clock().getTime() + SESSION_ABSOLUTE_LIFETIME_SECONDS * 1000).toISOString(),
    });
  });

  it('never shows the password hash or the status', async () => {
    const { deps } = await accountFixture();
    const { user } = await register(deps, { identifier: 'alice', password: PASSWORD });
    expect(Object.keys(user).sort()).toEqual(['avatarUrl', 'id', 'identifier', 'identifierType', 'identifiers', 'registeredAt']);
  });

  it('binds the session to the client that asked', async () => {
    const { deps, clock } = await accountFixture();
    const { tokens } = await register(deps, { identifier: 'alice', password: PASSWORD, clientId: 'mobile-app' });
    expect((await deps.accessTokens.verify(tokens.accessToken, clock())).clientId).toBe('mobile-app');
  });

  it('refuses an identifier that is already registered, in any spelling, and leaves no pending user behind', async () => {
    const { deps, users } = await accountFixture();
    const first = await register(deps, { identifier: 'hans@bücher.de', password: PASSWORD });

    const error = await expectHaloError(register(deps, { identifier: 'HANS@xn--bcher-kva.de', password: 'other-pass-phrase-9' }), 'identifier_taken', {
      identifier: 'this email is already registered',
    });
    expect(error.fields).not.toHaveProperty('password');
    expect([...users.users.keys()]).toEqual([first.user.id]);
    expect(users.claims.get('email#hans@xn--bcher-kva.de')).toEqual({ userId: first.user.id });
  });

  it('refuses a nickname that differs only by case or by fullwidth forms', async () => {
    const { deps } = await accountFixture();
    await register(deps, { identifier: 'admin', password: PASSWORD });
    await expectHaloError(register(deps, { identifier: 'ADMIN', password: PASSWORD }), 'identifier_taken');
    await expectHaloError(register(deps, { identifier: 'ａｄｍｉｎ', password: PASSWORD }), 'identifier_taken');
  });

  it('checks the identifier and the password before writing anything', async () => {
    const { deps, users, passwords } = await accountFixture();
    await expectHaloError(register(deps, { identifier: 'not an email@', password: PASSWORD }), 'invalid_request');
    await expectHaloError(register(deps, { identifier: 'alice', password: 'password1' }), 'weak_password');
    await expectHaloError(register(deps, { identifier: 'alice-smith', password: 'ALICE-SMITH' }), 'weak_password', {
      password: 'must not be the same as the identifier',
    });
    expect(users.users.size).toBe(0);
    expect(users.claims.size).toBe(0);
    expect(passwords.calls.hash).toBe(0);
  });

  it('takes over the claim of a sign-up that died and went stale', async () => {
    const fixture = await accountFixture();
    const { deps, users, clock } = fixture;
    crashBeforeActivation(fixture);
    await expect(register(deps, { identifier: 'alice', password: PASSWORD })).rejects.toThrow('Lambda timed out');
    const [crashedId] = users.users.keys();
    expect(users.claims.get('nickname#alice')).toEqual({ userId: crashedId });

    clock.advance(PENDING_SIGN_UP_SECONDS + 1);
    const { user } = await register(deps, { identifier: 'alice', password: 'another-pass-phrase-3' });

    expect(user.id).not.toBe(crashedId);
    expect(users.claims.get('nickname#alice')).toEqual({ userId: user.id });
    expect(users.users.get(user.id)?.status).toBe('active');
    // The account that now answers to "alice" is the new one, with its password.
    const session = await login(deps, { identifier: 'alice', password: 'another-pass-phrase-3' });
    expect(session.user.id).toBe(user.id);
  });

  it('does not take over the claim of a sign-up still inside its pending window', async () => {
    const fixture = await accountFixture();
    const { deps, users, clock } = fixture;
    crashBeforeActivation(fixture);
    await expect(register(deps, { identifier: 'alice', password: PASSWORD })).rejects.toThrow('Lambda timed out');
    const [crashedId] = users.users.keys();

    clock.advance(PENDING_SIGN_UP_SECONDS - 1);
    await expectHaloError(register(deps, { identifier: 'alice', password: PASSWORD }), 'identifier_taken');
    expect(users.claims.get('nickname#alice')).toEqual({ userId: crashedId });
    expect([...users.users.keys()]).toEqual([crashedId]);
  });

  it('takes over a claim whose user no longer exists', async () => {
    const fixture = await accountFixture();
    const { deps, users } = fixture;
    crashBeforeActivation(fixture);
    await expect(register(deps, { identifier: 'alice', password: PASSWORD })).rejects.toThrow();
    users.users.clear(); // DynamoDB's TTL removed the abandoned pending user

    const { user } = await register(deps, { identifier: 'alice', password: PASSWORD });
    expect(users.claims.get('nickname#alice')).toEqual({ userId: user.id });
  });
});
