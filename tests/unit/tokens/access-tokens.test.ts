import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { HaloError } from '../../../lib/errors';
import { ACCESS_TOKEN_TYPE, createAccessTokens } from '../../../lib/tokens/access-tokens';
import { rotateKeySet, toSigningKeys, type SigningKeys } from '../../../lib/tokens/signing-keys';
import { ACCESS_TOKEN_TTL_SECONDS, TEST_AUDIENCE, TEST_ISSUER, testAccessTokens, testSigningKeys } from '../../support/account-fixture';
import { haloErrorOf } from '../../support/halo-error';

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
  expect(error.fields).toEqual({ authorization: 'the access token is invalid or has expired' });
  return error;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

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
    const after = await toSigningKeys(await rotateKeySet(firstSet));
    const settings = { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ttlSeconds: 60 };
    const { accessToken } = await createAccessTokens(settings, async () => before).issue(CLAIMS, NOW);

    const rotated = createAccessTokens(settings, async () => after);
    await expect(rotated.verify(accessToken, NOW)).resolves.toEqual(CLAIMS);
    expect(decodeProtectedHeader((await rotated.issue(CLAIMS, NOW)).accessToken).kid).toBe(after.kid);
  });

  it('accepts a token forged exactly like its own (the control for the refusals below)', async () => {
    await expect(testAccessTokens(keys).verify(await forged(), NOW)).resolves.toEqual(CLAIMS);
  });

  describe('refuses, always as invalid_token', () => {
    it('a token from another issuer', async () => {
      const error = await expectInvalidToken(forged({ claims: { iss: 'https://evil.test' } }));
      expect(error.cause).toBeDefined(); // the reason is kept for the logs
    });

    it('a token for another audience', async () => {
      await expectInvalidToken(forged({ claims: { aud: 'https://other-api.test' } }));
    });

    it('an unsigned token (alg "none")', async () => {
      const unsigned = new UnsecuredJWT({ sub: 'user-1', sid: 'session-1', client_id: 'client-1', jti: 'x' })
        .setIssuer(TEST_ISSUER)
        .setAudience(TEST_AUDIENCE)
        .setIssuedAt(IAT)
        .setExpirationTime(IAT + 60)
        .encode();
      await expectInvalidToken(unsigned);
      // Also with the typ Halo asks for.
      const [, payload] = unsigned.split('.');
      await expectInvalidToken(`${base64url({ alg: 'none', typ: 'at+jwt', kid: keys.kid })}.${payload}.`);
    });

    it('an HS256 token signed with a shared secret', async () => {
      const secret = new TextEncoder().encode('a-secret-the-attacker-chose-of-32+bytes');
      const hs256 = await new SignJWT({ sid: 'session-1', client_id: 'client-1' })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: keys.kid })
        .setIssuer(TEST_ISSUER)
        .setAudience(TEST_AUDIENCE)
        .setSubject('user-1')
        .setIssuedAt(IAT)
        .setExpirationTime(IAT + 60)
        .setJti('jti-1')
        .sign(secret);
      await expectInvalidToken(hs256);
    });

    it('an HS256 token keyed with the published public key (algorithm confusion)', async () => {
      const secret = new TextEncoder().encode(JSON.stringify(keys.publicJwks[0]));
      const confused = await new SignJWT({ sid: 'session-1', client_id: 'client-1' })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: keys.kid })
        .setIssuer(TEST_ISSUER)
        .setAudience(TEST_AUDIENCE)
        .setSubject('user-1')
        .setIssuedAt(IAT)
        .setExpirationTime(IAT + 60)
        .setJti('jti-1')
        .sign(secret);
      await expectInvalidToken(confused);
    });

    it('a token signed by a key that is not in the key set', async () => {
      const stranger = await testSigningKeys();
      await expectInvalidToken(forged({}, stranger));
      // Even when it claims the kid of a trusted key.
      await expectInvalidToken(forged({}, { privateKey: stranger.privateKey, kid: keys.kid }));
    });

    it('a token whose payload was changed after signing', async () => {
      const [header, payload, signature] = (await forged()).split('.');
      const altered = { ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), sub: 'admin' };
      await expectInvalidToken(`${header}.${base64url(altered)}.${signature}`);
    });

    it.each(['JWT', 'jwt', undefined])('a token whose typ is %s rather than at+jwt', async (typ) => {
      await expectInvalidToken(forged({ header: { typ } }));
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
