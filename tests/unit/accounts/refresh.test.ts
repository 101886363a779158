import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { hashRefreshToken, newRefreshToken } from '#lib/tokens/refresh-token-secret';
import { REFRESH_REUSE_GRACE_SECONDS, REFRESH_TOKEN_TTL_SECONDS, accountFixture } from '#tests/support/account-fixture';
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

  it('revokes the whole session when a rotated-out token is used again after the grace window, so even the newest token fails', async () => {
    const { deps, sessions, clock, sessionId, first } = await signedUp();
    const second = await refresh(deps, { refreshToken: first.refreshToken });
    clock.advance(REFRESH_REUSE_GRACE_SECONDS);

    await expectHaloError(refresh(deps, { refreshToken: first.refreshToken }), 'invalid_grant', {
      refreshToken: 'was already used; its session is now revoked',
    });
    expect(sessions.sessions.get(sessionId)?.revokedAt).toBeDefined();

    await expectHaloError(refresh(deps, { refreshToken: second.refreshToken }), 'invalid_grant', {
      refreshToken: 'is invalid or has expired',
    });
  });

  it('gives two concurrent refreshes with the same token the same refresh token, and keeps one live token', async () => {
    const { deps, sessions, sessionId, first } = await signedUp();
    const [a, b] = await Promise.all([
      refresh(deps, { refreshToken: first.refreshToken }),
      refresh(deps, { refreshToken: first.refreshToken }),
    ]);
    expect(a.refreshToken).toBe(b.refreshToken);
    const live = [...sessions.tokens.values()].filter((token) => token.sessionId === sessionId && !token.rotatedAt);
    expect(live.map((token) => token.tokenHash)).toEqual([hashRefreshToken(a.refreshToken)]);
  });

  describe('the grace window', () => {
    it('answers a retry 100 ms later with the same refresh token, a working access token, and the session alive', async () => {
      const { deps, sessions, clock, sessionId, first } = await signedUp();
      const lost = await refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' });
      clock.advance(0.1);
      const retry = await refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' });

      expect(retry.refreshToken).toBe(lost.refreshToken);
      expect(retry.accessToken).not.toBe(lost.accessToken);
      await expect(deps.accessTokens.verify(retry.accessToken, clock())).resolves.toMatchObject({ sessionId });
      expect(sessions.sessions.get(sessionId)?.revokedAt).toBeUndefined();
      await expect(refresh(deps, { refreshToken: retry.refreshToken })).resolves.toMatchObject({ tokenType: 'Bearer' });
    });

    it('follows later rotations: a retry gets the session\'s live token, never a rotated-out one', async () => {
      const { deps, clock, first } = await signedUp();
      const second = await refresh(deps, { refreshToken: first.refreshToken });
      clock.advance(5);
      const third = await refresh(deps, { refreshToken: second.refreshToken });
      clock.advance(5);
      await expect(refresh(deps, { refreshToken: first.refreshToken })).resolves.toMatchObject({ refreshToken: third.refreshToken });
    });

    it('ends at the window: reuse exactly REFRESH_REUSE_GRACE_SECONDS after the rotation revokes the session', async () => {
      const { deps, sessions, clock, sessionId, first } = await signedUp();
      await refresh(deps, { refreshToken: first.refreshToken });
      clock.advance(REFRESH_REUSE_GRACE_SECONDS - 0.001);
      await expect(refresh(deps, { refreshToken: first.refreshToken })).resolves.toMatchObject({ tokenType: 'Bearer' });
      clock.advance(0.001);
      await expectHaloError(refresh(deps, { refreshToken: first.refreshToken }), 'invalid_grant', {
        refreshToken: 'was already used; its session is now revoked',
      });
      expect(sessions.sessions.get(sessionId)?.revokedAt).toBeDefined();
    });

    it('is off at 0: the strict behaviour, reuse at once revokes the session', async () => {
      const fixture = await signedUp();
      const deps = { ...fixture.deps, settings: { ...fixture.deps.settings, refreshReuseGraceSeconds: 0 } };
      await refresh(deps, { refreshToken: fixture.first.refreshToken });
      await expectHaloError(refresh(deps, { refreshToken: fixture.first.refreshToken }), 'invalid_grant', {
        refreshToken: 'was already used; its session is now revoked',
      });
      expect(fixture.sessions.sessions.get(fixture.sessionId)?.revokedAt).toBeDefined();
    });

    it('refuses another client inside the window, and ends the session', async () => {
      const { deps, sessions, sessionId, first } = await signedUp('web');
      const second = await refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' });
      await expectHaloError(refresh(deps, { refreshToken: first.refreshToken, clientId: 'other-app' }), 'invalid_grant', {
        refreshToken: 'was issued to another client',
      });
      expect(sessions.sessions.get(sessionId)?.revokedAt).toBeDefined();
      await expectHaloError(refresh(deps, { refreshToken: second.refreshToken }), 'invalid_grant');
    });

    it('does not bring a revoked session back', async () => {
      const { deps, sessions, clock, sessionId, first } = await signedUp();
      await refresh(deps, { refreshToken: first.refreshToken });
      await sessions.revokeSession(sessionId, clock());
      await expectHaloError(refresh(deps, { refreshToken: first.refreshToken }), 'invalid_grant', { refreshToken: 'is invalid or has expired' });
    });

    it('stores no token: every stored field differs from the live token, and the successor needs the old token', async () => {
      const { deps, sessions, first } = await signedUp();
      const second = await refresh(deps, { refreshToken: first.refreshToken });
      const stored = JSON.stringify([...sessions.tokens.values(), ...sessions.sessions.values()]);
      expect(stored).not.toContain(second.refreshToken);
      expect(stored).not.toContain(first.refreshToken);
    });
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
