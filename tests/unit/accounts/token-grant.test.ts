import { register } from '#lib/accounts/register';
import { grantTokens } from '#lib/accounts/token-grant';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { accountFixture } from '#tests/support/account-fixture';
import { expectHaloError } from '#tests/support/halo-error';
import { createInMemoryAbuseCounters } from '#tests/support/in-memory-abuse-counters';

const PASSWORD = 'plum-lantern-orbit-47';
const SOURCE = '198.51.100.10';

async function world() {
  const fixture = await accountFixture();
  await register(fixture.deps, { identifier: 'alice@example.com', password: PASSWORD });
  const deps = { account: fixture.deps, throttle: { counters: createInMemoryAbuseCounters(), limits: DEFAULT_LIMITS.login, clock: fixture.clock } };
  return { deps, grant: (request: Record<string, string>) => grantTokens(deps, request, 'my-app', SOURCE) };
}

describe('grantTokens (POST /oauth/token): one file per grant', () => {
  it('trades a password for a token pair, then the refresh token for a new one', async () => {
    const { grant } = await world();
    const first = await grant({ grant_type: 'password', username: 'alice@example.com', password: PASSWORD });
    expect(first).toMatchObject({ tokenType: 'Bearer', refreshToken: expect.any(String) });
    const second = await grant({ grant_type: 'refresh_token', refresh_token: first.refreshToken });
    expect(second.refreshToken).not.toBe(first.refreshToken);
  });

  it('names the missing parameter, by its RFC 6749 name', async () => {
    const { grant } = await world();
    await expectHaloError(grant({}), 'invalid_request', { grant_type: 'is required' });
    await expectHaloError(grant({ grant_type: 'password', username: 'alice@example.com' }), 'invalid_request', { password: 'is required' });
    await expectHaloError(grant({ grant_type: 'refresh_token' }), 'invalid_request', { refresh_token: 'is required' });
  });

  it('refuses a grant type Halo does not have', async () => {
    const { grant } = await world();
    await expectHaloError(grant({ grant_type: 'client_credentials' }), 'unsupported_grant_type', { grant_type: 'must be "password" or "refresh_token"' });
  });

  it('puts the password grant behind the login back-off, as POST /api/login', async () => {
    const { grant } = await world();
    const wrong = { grant_type: 'password', username: 'alice@example.com', password: 'wrong-password-1' };
    const codes: string[] = [];
    for (let attempt = 0; attempt < DEFAULT_LIMITS.login.freeFailuresPerIdentifierAndSource + 1; attempt++) {
      codes.push(await grant(wrong).then(() => 'ok', (error: { code: string }) => error.code));
    }
    expect(codes.at(-1)).toBe('too_many_requests');
    expect(new Set(codes.slice(0, -1))).toEqual(new Set(['invalid_credentials']));
  });
});
