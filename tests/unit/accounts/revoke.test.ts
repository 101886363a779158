import { authenticate } from '#lib/accounts/authenticate';
import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { revoke } from '#lib/accounts/revoke';
import { newRefreshToken } from '#lib/tokens/refresh-token-secret';
import { accountFixture, testAccessTokens, testSigningKeys } from '#tests/support/account-fixture';
import { expectHaloError } from '#tests/support/halo-error';

async function signedUp() {
  const fixture = await accountFixture();
  const { tokens } = await register(fixture.deps, { identifier: 'alice', password: 'plum-lantern-orbit-47' });
  const claims = await fixture.deps.accessTokens.verify(tokens.accessToken, fixture.clock());
  return { ...fixture, tokens, sessionId: claims.sessionId };
}

const revokedSessions = (sessions: { sessions: Map<string, { revokedAt?: string }> }) =>
  [...sessions.sessions.entries()].filter(([, s]) => s.revokedAt).map(([id]) => id);

describe('revoke', () => {
  it.each([undefined, 'refresh_token', 'access_token', 'something_else'])(
    'ends the whole session given its refresh token (hint %s)',
    async (tokenTypeHint) => {
      const { deps, sessions, clock, tokens, sessionId } = await signedUp();
      await revoke(deps, { token: tokens.refreshToken, tokenTypeHint });

      expect(sessions.sessions.get(sessionId)?.revokedAt).toBe(clock().toISOString());
      await expectHaloError(authenticate(deps, tokens.accessToken), 'invalid_token');
      await expectHaloError(refresh(deps, { refreshToken: tokens.refreshToken }), 'invalid_grant');
    },
  );

  it.each([undefined, 'refresh_token', 'access_token'])('ends the whole session given its access token (hint %s)', async (tokenTypeHint) => {
    const { deps, sessions, tokens, sessionId } = await signedUp();
    await revoke(deps, { token: tokens.accessToken, tokenTypeHint });

    expect(sessions.sessions.get(sessionId)?.revokedAt).toBeDefined();
    await expectHaloError(authenticate(deps, tokens.accessToken), 'invalid_token');
    await expectHaloError(refresh(deps, { refreshToken: tokens.refreshToken }), 'invalid_grant');
  });

  it('ends only the session the token belongs to', async () => {
    const { deps, sessions, tokens, sessionId } = await signedUp();
    const other = await register(deps, { identifier: 'bob', password: 'plum-lantern-orbit-48' });
    await revoke(deps, { token: tokens.refreshToken });

    expect(revokedSessions(sessions)).toEqual([sessionId]);
    await expect(authenticate(deps, other.tokens.accessToken)).resolves.toBeDefined();
  });

  it('still finds the session of a refresh token that was rotated out', async () => {
    const { deps, sessions, tokens, sessionId } = await signedUp();
    const next = await refresh(deps, { refreshToken: tokens.refreshToken });
    await revoke(deps, { token: tokens.refreshToken });
    expect(revokedSessions(sessions)).toEqual([sessionId]);
    await expectHaloError(refresh(deps, { refreshToken: next.refreshToken }), 'invalid_grant');
  });

  it.each([
    ['garbage', 'garbage'],
    ['an empty string', ''],
    ['an unknown refresh token', newRefreshToken()],
    ['a JWT that does not verify', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
  ])('does nothing, without failing, for %s', async (_what, token) => {
    const { deps, sessions, tokens } = await signedUp();
    await expect(revoke(deps, { token })).resolves.toBeUndefined();
    await expect(revoke(deps, { token, tokenTypeHint: 'access_token' })).resolves.toBeUndefined();
    expect(revokedSessions(sessions)).toEqual([]);
    await expect(authenticate(deps, tokens.accessToken)).resolves.toBeDefined();
  });

  it('does nothing for an access token signed by another key', async () => {
    const { deps, sessions, clock, sessionId } = await signedUp();
    const foreign = await testAccessTokens(await testSigningKeys()).issue({ userId: 'id-1', sessionId, clientId: 'web' }, clock());
    await revoke(deps, { token: foreign.accessToken });
    expect(revokedSessions(sessions)).toEqual([]);
  });
});

describe('revoke: client binding (RFC 7009 §2.1)', () => {
  async function ofClient(clientId: string) {
    const fixture = await accountFixture();
    const { tokens } = await register(fixture.deps, { identifier: 'carol', password: 'plum-lantern-orbit-47', clientId });
    const { sessionId, userId } = await fixture.deps.accessTokens.verify(tokens.accessToken, fixture.clock());
    return { ...fixture, tokens, sessionId, userId };
  }

  it('refuses another client\'s token, either kind, with invalid_grant, and leaves the session alive', async () => {
    const { deps, sessions, tokens, sessionId } = await ofClient('appA');
    await expectHaloError(revoke(deps, { token: tokens.refreshToken, clientId: 'appB' }), 'invalid_grant', { token: 'was issued to another client' });
    await expectHaloError(revoke(deps, { token: tokens.accessToken, clientId: 'appB' }), 'invalid_grant', { token: 'was issued to another client' });
    // No client_id is the default client, which is not appA either.
    await expectHaloError(revoke(deps, { token: tokens.refreshToken }), 'invalid_grant');
    expect(sessions.sessions.get(sessionId)?.revokedAt).toBeUndefined();
  });

  it('ends the session for its own client, and tells its sockets why', async () => {
    const { deps, sessions, tokens, sessionId, userId } = await ofClient('appA');
    const ended: string[] = [];
    await revoke({ ...deps, sessionEnded: async (user, session, reason) => void ended.push(`${user}/${session}/${reason}`) }, {
      token: tokens.accessToken,
      tokenTypeHint: 'access_token',
      clientId: 'appA',
    });
    expect(sessions.sessions.get(sessionId)).toMatchObject({ revokedAt: expect.any(String), revokedFor: 'revoked' });
    expect(ended).toEqual([`${userId}/${sessionId}/revoked`]);
  });
});
