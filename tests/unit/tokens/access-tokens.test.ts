import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { HaloError } from '#lib/errors';
import { ACCESS_TOKEN_TYPE, createAccessTokens } from '#lib/tokens/access-tokens';
import { cachedPublicKeys, KEY_TIMING, publicKeySetOf, rotateKeySet, toSigningKeys, UNKNOWN_KID_REFETCH_MS, type KeySet, type SigningKeys } from '#lib/tokens/signing-keys';
import { ACCESS_TOKEN_TTL_SECONDS, TEST_AUDIENCE, TEST_ISSUER, testAccessTokens, testSigningKeys } from '#tests/support/account-fixture';
import { haloErrorOf } from '#tests/support/halo-error';

const NOW = new Date('2025-03-01T12:00:00.000Z');
const IAT = Math.floor(NOW.getTime() / 1000);
const CLAIMS = { userId: 'user-1', sessionId: 'session-1', clientId: 'client-1' };

let keys: SigningKeys;
beforeAll(async () => {
  keys = await testSigningKeys();
});

/** What Halo itself would sign, with any header or claim overridden (or removed with `undefined`). */
function forged(
  { header = {}, claims = {} }: { header?: Record<string, unknown>; claims?: JWTPayload } = {},
  { privateKey, kid }: Pick<SigningKeys, 'privateKey' | 'kid'> = keys,
) {
  const payload: JWTPayload = {
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    sub: CLAIMS.userId,
    sid: CLAIMS.sessionId,
    client_id: CLAIMS.clientId,
    iat: IAT,
    exp: IAT + ACCESS_TOKEN_TTL_SECONDS,
    jti: randomUUID(),
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, typ: ACCESS_TOKEN_TYPE, ...header }).sign(privateKey);
}

async function expectInvalidToken(token: string | Promise<string>, now = NOW) {
  const error = await haloErrorOf(testAccessTokens(keys).verify(await token, now));
  expect(error).toBeInstanceOf(HaloError);
  expect(error.code).toBe('invalid_token');
  expect(error.fields).toEqual({ accessToken: 'the access token is invalid or has expired' });
  return error;
}

describe('createAccessTokens', () => {
  it('issues an RFC 9068 token that verifies back to its claims', async () => {
    const tokens = testAccessTokens(keys);
    const { accessToken, expiresIn } = await tokens.issue(CLAIMS, NOW);

    expect(expiresIn).toBe(ACCESS_TOKEN_TTL_SECONDS);
    expect(decodeProtectedHeader(accessToken)).toEqual({ alg: 'ES256', kid: keys.kid, typ: 'at+jwt' });
    const payload = decodeJwt(accessToken);
    expect(payload).toMatchObject({
      iss: TEST_ISSUER,
      aud: TEST_AUDIENCE,
      sub: 'user-1',
      sid: 'session-1',
      client_id: 'client-1',
      iat: IAT,
      exp: IAT + ACCESS_TOKEN_TTL_SECONDS,
    });
    expect(typeof payload.jti).toBe('string');
    await expect(tokens.verify(accessToken, NOW)).resolves.toEqual(CLAIMS);
  });

  it('gives every token its own jti', async () => {
    const tokens = testAccessTokens(keys);
    const a = decodeJwt((await tokens.issue(CLAIMS, NOW)).accessToken).jti;
    const b = decodeJwt((await tokens.issue(CLAIMS, NOW)).accessToken).jti;
    expect(a).not.toBe(b);
  });

  it('accepts a token until its expiry and refuses it from then on', async () => {
    const tokens = testAccessTokens(keys);
    const { accessToken } = await tokens.issue(CLAIMS, NOW);
    const lastValidSecond = new Date(NOW.getTime() + (ACCESS_TOKEN_TTL_SECONDS - 1) * 1000);
    await expect(tokens.verify(accessToken, lastValidSecond)).resolves.toEqual(CLAIMS);
    await expectInvalidToken(accessToken, new Date(NOW.getTime() + ACCESS_TOKEN_TTL_SECONDS * 1000));
    await expectInvalidToken(accessToken, new Date(NOW.getTime() + 3600 * 1000));
  });

  it('keeps verifying tokens signed with the previous key after a rotation', async () => {
    const firstSet = await rotateKeySet(undefined);
    const before = await toSigningKeys(firstSet);
    const after = await toSigningKeys(await rotateKeySet(firstSet), new Date(Date.now() + KEY_TIMING.publishLeadSeconds * 1000));
    expect(after.kid).not.toBe(before.kid);
    const settings = { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ttlSeconds: 60 };
    const { accessToken } = await createAccessTokens(settings, async () => before).issue(CLAIMS, NOW);

    const rotated = createAccessTokens(settings, async () => after);
    await expect(rotated.verify(accessToken, NOW)).resolves.toEqual(CLAIMS);
    expect(decodeProtectedHeader((await rotated.issue(CLAIMS, NOW)).accessToken).kid).toBe(after.kid);
  });

  it('reads the key set again, once, for a kid its cached set does not know (a key published after its last read)', async () => {
    const settings = { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ttlSeconds: 60 };
    const firstSet = await rotateKeySet(undefined);
    let stored: KeySet = firstSet;
    let reads = 0;
    let clock = 0;
    const verifierKeys = cachedPublicKeys({ read: async () => (reads++, publicKeySetOf(stored)) }, 5 * 60_000, () => clock);
    const verifier = createAccessTokens(settings, verifierKeys);
    const issuedBefore = await createAccessTokens(settings, async () => toSigningKeys(firstSet)).issue(CLAIMS, NOW);
    await verifier.verify(issuedBefore.accessToken, NOW); // warm: the cache holds the first set
    expect(reads).toBe(1);

    stored = await rotateKeySet(firstSet);
    const newer = await toSigningKeys(stored, new Date(Date.now() + KEY_TIMING.publishLeadSeconds * 1000));
    const { accessToken } = await createAccessTokens(settings, async () => newer).issue(CLAIMS, NOW);
    clock = UNKNOWN_KID_REFETCH_MS;
    await expect(verifier.verify(accessToken, NOW)).resolves.toEqual(CLAIMS);
    expect(reads).toBe(2);

    // An unknown kid right after: refused without another read (the refetch is rate-limited).
    const stranger = await toSigningKeys(await rotateKeySet(undefined));
    const { accessToken: foreign } = await createAccessTokens(settings, async () => stranger).issue(CLAIMS, NOW);
    await expect(verifier.verify(foreign, NOW)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(reads).toBe(2);
  });

  it('cannot issue with the public key set only (the functions that only verify)', async () => {
    const publicOnly = createAccessTokens({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ttlSeconds: 60 }, async () => ({ publicJwks: keys.publicJwks }));
    await expect(publicOnly.issue(CLAIMS, NOW)).rejects.toThrow('cannot issue tokens');
  });

  it('accepts a token forged exactly like its own (the control for the refusals below)', async () => {
    await expect(testAccessTokens(keys).verify(await forged(), NOW)).resolves.toEqual(CLAIMS);
  });

  // Forged tokens (alg none, algorithm confusion, foreign keys, tampering, iss/aud/typ, headers, lifetime)
  // are the attack catalogue's: tests/security/token-attacks.test.ts. What is left here is claim shape.
  describe('refuses, always as invalid_token', () => {
    it('keeps the reason for the logs only', async () => {
      const error = await expectInvalidToken(forged({ claims: { iss: 'https://evil.test' } }));
      expect(error.cause).toBeDefined();
    });

    it.each(['sid', 'client_id', 'sub', 'jti', 'exp', 'iat'])('a token without %s', async (claim) => {
      await expectInvalidToken(forged({ claims: { [claim]: undefined } }));
    });

    it('a token whose sid is not a string', async () => {
      await expectInvalidToken(forged({ claims: { sid: 42 } }));
    });

    it.each(['', 'garbage', 'a.b.c', 'Bearer x'])('the malformed token %j', async (token) => {
      await expectInvalidToken(token);
    });
  });
});
