import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { hashRefreshToken, newRefreshToken } from '#lib/tokens/refresh-token-secret';
import { DEFAULT_CLIENT_ID, REFRESH_REUSE_GRACE_SECONDS, REFRESH_TOKEN_TTL_SECONDS, SESSION_ABSOLUTE_LIFETIME_SECONDS, accountFixture } from '#tests/support/account-fixture';
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
      sessionEndsAt: new Date(Date.parse('2025-03-01T12:00:00.000Z') + SESSION_ABSOLUTE_LIFETIME_SECONDS * 1000).toISOString(),
    });

    // The new refresh token works in turn, for the same client.
    await expect(refresh(deps, { refreshToken: next.refreshToken, clientId: 'web' })).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('revokes the whole session when a rotated-out token is used again after the grace window, so even the newest token fails', async () => {
    const { deps, sessions, clock, sessionId, first } = await signedUp();
    const second = await refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' });
    clock.advance(REFRESH_REUSE_GRACE_SECONDS);

    await expectHaloError(refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' }), 'invalid_grant', {
      refreshToken: 'was already used; its session is now revoked',
    });
    expect(sessions.sessions.get(sessionId)?.revokedAt).toBeDefined();

    await expectHaloError(refresh(deps, { refreshToken: second.refreshToken, clientId: 'web' }), 'invalid_grant', {
      refreshToken: 'is invalid or has expired',
    });
  });

  it('gives two concurrent refreshes with the same token the same refresh token, and keeps one live token', async () => {
    const { deps, sessions, sessionId, first } = await signedUp();
    const [a, b] = await Promise.all([
      refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' }),
      refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' }),
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
      await expect(refresh(deps, { refreshToken: retry.refreshToken, clientId: 'web' })).resolves.toMatchObject({ tokenType: 'Bearer' });
    });

    it('follows later rotations: a retry gets the session\'s live token, never a rotated-out one', async () => {
      const { deps, clock, first } = await signedUp();
      const second = await refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' });
      clock.advance(5);
      const third = await refresh(deps, { refreshToken: second.refreshToken, clientId: 'web' });
      clock.advance(5);
      await expect(refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' })).resolves.toMatchObject({ refreshToken: third.refreshToken });
    });

    it('ends at the window: reuse exactly REFRESH_REUSE_GRACE_SECONDS after the rotation revokes the session', async () => {
      const { deps, sessions, clock, sessionId, first } = await signedUp();
      await refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' });
      clock.advance(REFRESH_REUSE_GRACE_SECONDS - 0.001);
      await expect(refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' })).resolves.toMatchObject({ tokenType: 'Bearer' });
      clock.advance(0.001);
      await expectHaloError(refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' }), 'invalid_grant', {
        refreshToken: 'was already used; its session is now revoked',
      });
      expect(sessions.sessions.get(sessionId)?.revokedAt).toBeDefined();
    });

    it('is off at 0: the strict behaviour, reuse at once revokes the session', async () => {
      const fixture = await signedUp();
      const deps = { ...fixture.deps, settings: { ...fixture.deps.settings, refreshReuseGraceSeconds: 0 } };
      await refresh(deps, { refreshToken: fixture.first.refreshToken, clientId: 'web' });
      await expectHaloError(refresh(deps, { refreshToken: fixture.first.refreshToken, clientId: 'web' }), 'invalid_grant', {
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
      await expectHaloError(refresh(deps, { refreshToken: second.refreshToken, clientId: 'web' }), 'invalid_grant');
    });

    it('does not bring a revoked session back', async () => {
      const { deps, sessions, clock, sessionId, first } = await signedUp();
      await refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' });
      await sessions.revokeSession(sessionId, clock());
      await expectHaloError(refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' }), 'invalid_grant', { refreshToken: 'is invalid or has expired' });
    });

    it('stores no token: every stored field differs from the live token, and the successor needs the old token', async () => {
      const { deps, sessions, first } = await signedUp();
      const second = await refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' });
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
    await expectHaloError(refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' }), 'invalid_grant', {
      refreshToken: 'is invalid or has expired',
    });
    expect(sessions.sessions.get(sessionId)?.revokedAt).toBeUndefined();
  });

  it('accepts a token one second before it expires', async () => {
    const { deps, clock, first } = await signedUp();
    clock.advance(REFRESH_TOKEN_TTL_SECONDS - 1);
    await expect(refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' })).resolves.toMatchObject({ tokenType: 'Bearer' });
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
    await expectHaloError(refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' }), 'invalid_grant');
  });

  it('refuses a token whose user is gone', async () => {
    const { deps, users, userId, first } = await signedUp();
    users.users.delete(userId);
    await expectHaloError(refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' }), 'invalid_grant');
  });

  describe('client binding', () => {
    it('refuses a token issued to a named client when no client is named (that is the default client), and ends the session', async () => {
      const { deps, sessions, sessionId, first } = await signedUp('web');
      await expectHaloError(refresh(deps, { refreshToken: first.refreshToken }), 'invalid_grant', { refreshToken: 'was issued to another client' });
      expect(sessions.sessions.get(sessionId)?.revokedAt).toBeDefined();
    });

    it('takes a token issued without a client_id from the default client, named or not', async () => {
      const fixture = await accountFixture();
      const { tokens } = await register(fixture.deps, { identifier: 'bob', password: 'plum-lantern-orbit-47' });
      const next = await refresh(fixture.deps, { refreshToken: tokens.refreshToken });
      await expect(refresh(fixture.deps, { refreshToken: next.refreshToken, clientId: DEFAULT_CLIENT_ID })).resolves.toMatchObject({ tokenType: 'Bearer' });
    });
  });

  describe('the absolute session lifetime', () => {
    it('never slides a token past the session\'s absolute end, and refuses the refresh after it', async () => {
      const { deps, sessions, clock, sessionId, first } = await signedUp();
      let token = first.refreshToken;
      // Refreshed every 29 days, the session still ends 90 days after the login.
      for (let day = 29; day < 90; day += 29) {
        clock.advance(29 * 24 * 3600);
        token = (await refresh(deps, { refreshToken: token, clientId: 'web' })).refreshToken;
      }
      expect(sessions.tokens.get(hashRefreshToken(token))?.expiresAt).toBe(sessions.sessions.get(sessionId)?.endsAt);
      clock.advance(3 * 24 * 3600); // day 90
      await expectHaloError(refresh(deps, { refreshToken: token, clientId: 'web' }), 'invalid_grant', {
        refreshToken: 'belongs to a session past its absolute lifetime: log in again',
      });
      expect(sessions.sessions.get(sessionId)).toMatchObject({ revokedFor: 'expired' });
    });

    it('gives a session opened before the limit existed its end at its first refresh', async () => {
      const { deps, sessions, clock, sessionId, first } = await signedUp();
      const hash = hashRefreshToken(first.refreshToken);
      const token = sessions.tokens.get(hash);
      const session = sessions.sessions.get(sessionId);
      if (!token || !session) throw new Error('the session was not stored');
      sessions.tokens.set(hash, { ...token, sessionEndsAt: undefined });
      sessions.sessions.set(sessionId, { ...session, endsAt: undefined });
      const next = await refresh(deps, { refreshToken: first.refreshToken, clientId: 'web' });
      const end = new Date(clock().getTime() + SESSION_ABSOLUTE_LIFETIME_SECONDS * 1000).toISOString();
      expect(sessions.tokens.get(hashRefreshToken(next.refreshToken))?.sessionEndsAt).toBe(end);
      expect(sessions.sessions.get(sessionId)?.endsAt).toBe(end);
    });
  });

  describe('sockets of a session that ends here', () => {
    it('are told why: reuse, another client, the absolute lifetime', async () => {
      const ended: string[] = [];
      const sessionEnded = async (_user: string, session: string, reason: string) => void ended.push(`${session}:${reason}`);
      const reused = await signedUp();
      const deps = { ...reused.deps, sessionEnded };
      await refresh(deps, { refreshToken: reused.first.refreshToken, clientId: 'web' });
      reused.clock.advance(REFRESH_REUSE_GRACE_SECONDS);
      await expectHaloError(refresh(deps, { refreshToken: reused.first.refreshToken, clientId: 'web' }), 'invalid_grant');

      const stolen = await signedUp();
      await expectHaloError(refresh({ ...stolen.deps, sessionEnded }, { refreshToken: stolen.first.refreshToken, clientId: 'x' }), 'invalid_grant');

      const old = await signedUp();
      old.clock.advance(SESSION_ABSOLUTE_LIFETIME_SECONDS);
      await expectHaloError(refresh({ ...old.deps, sessionEnded }, { refreshToken: old.first.refreshToken, clientId: 'web' }), 'invalid_grant');

      expect(ended).toEqual([`${reused.sessionId}:reused`, `${stolen.sessionId}:revoked`, `${old.sessionId}:expired`]);
    });

    it('a failure to close them does not fail the refusal: the session is revoked all the same', async () => {
      const { deps, sessions, sessionId, first } = await signedUp();
      const failing = { ...deps, sessionEnded: async () => Promise.reject(new Error('@connections down')) };
      await expectHaloError(refresh(failing, { refreshToken: first.refreshToken, clientId: 'x' }), 'invalid_grant');
      expect(sessions.sessions.get(sessionId)?.revokedAt).toBeDefined();
    });
  });
});
