import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { hashRefreshToken, newRefreshToken } from '#lib/tokens/refresh-token-secret';
import { REFRESH_TOKEN_TTL_SECONDS, accountFixture } from '#tests/support/account-fixture';
import { expectHaloError } from '#tests/support/halo-error';

async function signedUp(clientId = 'web') {
  const fixture = await accountFixture();
  const { user, tokens } = await register(fixture.deps, { identifier: 'alice', password: 'plum-lantern-orbit-47', clientId });
  const { sessionId } = await fixture.deps.accessTokens.verify(tokens.accessToken, fixture.clock());
  return { ...fixture, userId: user.id, sessionId, first: tokens };
}

describe('refresh', () => {
  it('rotates the refresh token into a new pair for the same session', async () => {
    const { deps, sessions, clock, userId, sessionId, first } = await signedUp();
    clock.advance(600);
    const next = await refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' });

    expect(next.tokenType).toBe('Bearer');
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(next.accessToken).not.toBe(first.accessToken);
    await expect(deps.accessTokens.verify(next.accessToken, clock())).resolves.toEqual({ userId, sessionId, clientId: 'web' });

    expect(sessions.tokens.get(hashRefreshToken(first.refreshToken))?.rotatedAt).toBe(clock().toISOString());
    expect(sessions.tokens.get(hashRefreshToken(next.refreshToken))).toEqual({
      tokenHash: hashRefreshToken(next.refreshToken),
      sessionId,
      userId,
      clientId: 'web',
      expiresAt: new Date(clock().getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString(),
    });

    // The new refresh token works in turn, without naming the client.
    await expect(refresh(deps, { refreshToken: next.refreshToken })).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('revokes the whole session when a rotated-out token is used again, so even the newest token fails', async () => {
    const { deps, sessions, sessionId, first } = await signedUp();
    const second = await refresh(deps, { refreshToken: first.refreshToken });

    await expectHaloError(refresh(deps, { refreshToken: first.refreshToken }), 'invalid_grant', {
      refreshToken: 'was already used; its session is now revoked',
    });
    expect(sessions.sessions.get(sessionId)?.revokedAt).toBeDefined();

    await expectHaloError(refresh(deps, { refreshToken: second.refreshToken }), 'invalid_grant', {
      refreshToken: 'is invalid or has expired',
    });
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    const { deps, first } = await signedUp();
    const results = await Promise.allSettled([
      refresh(deps, { refreshToken: first.refreshToken }),
      refresh(deps, { refreshToken: first.refreshToken }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });

  it('refuses a token presented by another client, and ends its session', async () => {
    const { deps, sessions, sessionId, first } = await signedUp('web');
    await expectHaloError(refresh(deps, { refreshToken: first.refreshToken, clientId: 'other-app' }), 'invalid_grant', {
      refreshToken: 'was issued to another client',
    });
    expect(sessions.sessions.get(sessionId)?.revokedAt).toBeDefined();
  });

  it('refuses an expired token without revoking its session', async () => {
    const { deps, sessions, clock, sessionId, first } = await signedUp();
    clock.advance(REFRESH_TOKEN_TTL_SECONDS);
    await expectHaloError(refresh(deps, { refreshToken: first.refreshToken }), 'invalid_grant', {
      refreshToken: 'is invalid or has expired',
    });
    expect(sessions.sessions.get(sessionId)?.revokedAt).toBeUndefined();
  });

  it('accepts a token one second before it expires', async () => {
    const { deps, clock, first } = await signedUp();
    clock.advance(REFRESH_TOKEN_TTL_SECONDS - 1);
    await expect(refresh(deps, { refreshToken: first.refreshToken })).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('refuses an unknown token and anything that is not shaped like one', async () => {
    const { deps, sessions } = await signedUp();
    await expectHaloError(refresh(deps, { refreshToken: newRefreshToken() }), 'invalid_grant', { refreshToken: 'is invalid or has expired' });
    await expectHaloError(refresh(deps, { refreshToken: 'not a token' }), 'invalid_grant', { refreshToken: 'is not a valid refresh token' });
    expect([...sessions.sessions.values()].every((s) => !s.revokedAt)).toBe(true);
  });

  it('refuses a token whose session was revoked', async () => {
    const { deps, sessions, clock, sessionId, first } = await signedUp();
    await sessions.revokeSession(sessionId, clock());
    await expectHaloError(refresh(deps, { refreshToken: first.refreshToken }), 'invalid_grant');
  });

  it('refuses a token whose user is gone', async () => {
    const { deps, users, userId, first } = await signedUp();
    users.users.delete(userId);
    await expectHaloError(refresh(deps, { refreshToken: first.refreshToken }), 'invalid_grant');
  });
});
