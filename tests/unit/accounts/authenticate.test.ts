import { authenticate } from '#lib/accounts/authenticate';
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

describe('authenticate', () => {
  it('returns the user and the token claims while user and session stand', async () => {
    const { deps, userId, claims, accessToken } = await signedUp();
    const result = await authenticate(deps, accessToken);
    expect(result.claims).toEqual(claims);
    expect(result.user).toMatchObject({ id: userId, identifier: 'alice', status: 'active' });
  });

  it('refuses a token whose session was revoked', async () => {
    const { deps, sessions, clock, claims, accessToken } = await signedUp();
    await sessions.revokeSession(claims.sessionId, clock());
    await expectHaloError(authenticate(deps, accessToken), 'invalid_token', INVALID);
  });

  it('refuses a token whose user is gone', async () => {
    const { deps, users, userId, accessToken } = await signedUp();
    users.users.delete(userId);
    await expectHaloError(authenticate(deps, accessToken), 'invalid_token', INVALID);
  });

  it('refuses a token whose user is not active', async () => {
    const { deps, users, userId, accessToken } = await signedUp();
    const user = users.users.get(userId);
    if (!user) throw new Error('no user');
    users.users.set(userId, { ...user, status: 'pending' });
    await expectHaloError(authenticate(deps, accessToken), 'invalid_token', INVALID);
  });

  it('refuses a token whose session does not exist', async () => {
    const { deps, sessions, claims, accessToken } = await signedUp();
    sessions.sessions.delete(claims.sessionId);
    await expectHaloError(authenticate(deps, accessToken), 'invalid_token', INVALID);
  });

  it("refuses a validly signed token that pairs a user with another user's session", async () => {
    const { deps, clock, signingKeys, claims } = await signedUp();
    const bob = await register(deps, { identifier: 'bob', password: 'plum-lantern-orbit-48' });
    const forged = await testAccessTokens(signingKeys).issue({ userId: bob.user.id, sessionId: claims.sessionId, clientId: 'web' }, clock());
    await expectHaloError(authenticate(deps, forged.accessToken), 'invalid_token', INVALID);
  });

  it('refuses an expired token', async () => {
    const { deps, clock, accessToken } = await signedUp();
    clock.advance(ACCESS_TOKEN_TTL_SECONDS);
    await expectHaloError(authenticate(deps, accessToken), 'invalid_token', INVALID);
  });

  it('refuses a token signed by another key', async () => {
    const { deps, clock, claims } = await signedUp();
    const foreign = await testAccessTokens(await testSigningKeys()).issue(claims, clock());
    await expectHaloError(authenticate(deps, foreign.accessToken), 'invalid_token', INVALID);
  });
});
