import { authenticateForDeletion } from '#lib/accounts/authenticate';
import { register } from '#lib/accounts/register';
import { ACCESS_TOKEN_TTL_SECONDS, accountFixture, testAccessTokens, testSigningKeys } from '#tests/support/account-fixture';
import { expectHaloError } from '#tests/support/halo-error';

const INVALID = { accessToken: 'the access token is invalid or has expired' };

async function signedUp() {
  const fixture = await accountFixture();
  const { user, tokens } = await register(fixture.deps, { identifier: 'alice', password: 'plum-lantern-orbit-47' });
  const claims = await fixture.deps.accessTokens.verify(tokens.accessToken, fixture.clock());
  return { ...fixture, userId: user.id, claims, accessToken: tokens.accessToken };
}

describe('authenticateForDeletion', () => {
  it('lets an active user with a standing session through', async () => {
    const { deps, userId, accessToken } = await signedUp();
    expect(await authenticateForDeletion(deps, accessToken)).toBe(userId);
  });

  it('lets a user whose deletion already began finish it, even though its session is gone', async () => {
    const { deps, users, sessions, clock, userId, claims, accessToken } = await signedUp();
    await users.markDeleting(userId, clock());
    sessions.sessions.delete(claims.sessionId);
    expect(await authenticateForDeletion(deps, accessToken)).toBe(userId);
  });

  it('lets a user whose deletion already began finish it with a token of a revoked session', async () => {
    const { deps, users, sessions, clock, userId, claims, accessToken } = await signedUp();
    await sessions.revokeSession(claims.sessionId, clock());
    await users.markDeleting(userId, clock());
    expect(await authenticateForDeletion(deps, accessToken)).toBe(userId);
  });

  it('still wants a standing session from an active user', async () => {
    const { deps, sessions, claims, clock, accessToken } = await signedUp();
    await sessions.revokeSession(claims.sessionId, clock());
    await expectHaloError(authenticateForDeletion(deps, accessToken), 'invalid_token', INVALID);
    sessions.sessions.delete(claims.sessionId);
    await expectHaloError(authenticateForDeletion(deps, accessToken), 'invalid_token', INVALID);
  });

  it('refuses a token whose user is gone', async () => {
    const { deps, users, userId, accessToken } = await signedUp();
    await users.deleteUser(userId);
    await expectHaloError(authenticateForDeletion(deps, accessToken), 'invalid_token', INVALID);
  });

  it('refuses a pending user', async () => {
    const { deps, users, userId, accessToken } = await signedUp();
    const user = users.users.get(userId);
    if (!user) throw new Error('no user');
    users.users.set(userId, { ...user, status: 'pending' });
    await expectHaloError(authenticateForDeletion(deps, accessToken), 'invalid_token', INVALID);
  });

  describe('still checks the signature of a user being deleted', () => {
    it('refuses a token signed by another key', async () => {
      const { deps, users, clock, userId, claims } = await signedUp();
      await users.markDeleting(userId, clock());
      const foreign = await testAccessTokens(await testSigningKeys()).issue(claims, clock());
      await expectHaloError(authenticateForDeletion(deps, foreign.accessToken), 'invalid_token', INVALID);
    });

    it('refuses an expired token', async () => {
      const { deps, users, clock, userId, accessToken } = await signedUp();
      await users.markDeleting(userId, clock());
      clock.advance(ACCESS_TOKEN_TTL_SECONDS);
      await expectHaloError(authenticateForDeletion(deps, accessToken), 'invalid_token', INVALID);
    });

    it('refuses garbage', async () => {
      const { deps } = await signedUp();
      await expectHaloError(authenticateForDeletion(deps, 'garbage'), 'invalid_token', INVALID);
    });
  });
});
