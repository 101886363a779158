import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWSHeaderParameters, type JWTPayload } from 'jose';
import { HaloError } from '../errors';
import { SIGNING_ALGORITHM, type PublicKeys, type SigningKeys } from './signing-keys';

/** RFC 9068 "JWT Profile for OAuth 2.0 Access Tokens". */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** Far above any token Halo issues (about 700 characters): a bigger one is refused before any decoding. */
export const MAX_ACCESS_TOKEN_LENGTH = 4096;

/**
 * How far `iat` may be ahead of the verifier's clock: the function that issued a token and the one
 * checking it run on different hosts, and `iat` is rounded down to the second, so a token one second
 * "from the future" is normal. `exp` and `nbf` get no tolerance: a client whose token expires early by
 * a second refreshes, which is cheaper than accepting expired tokens.
 */
export const MAX_CLOCK_SKEW_SECONDS = 5;

/** Halo signs exactly these header parameters; anything else (`jku`, `jwk`, `x5u`, `x5c`, `crit`…) is refused, never followed. */
const HEADER_PARAMETERS = new Set(['alg', 'kid', 'typ']);

export interface AccessTokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

export interface AccessTokenClaims {
  readonly userId: string;
  readonly sessionId: string;
  readonly clientId: string;
}

export interface AccessTokens {
  issue(claims: AccessTokenClaims, now: Date): Promise<{ accessToken: string; expiresIn: number }>;
  /** Signature, header, type, issuer, audience and lifetime; stateless (no database read). */
  verify(token: string, now: Date): Promise<AccessTokenClaims>;
}

/**
 * The keys a function holds: the issuers' private key set (which also verifies), or the verifiers' public key
 * set. `refetch` (lib/tokens/signing-keys.ts CachedKeys) reads the set again for a `kid` it does not know.
 */
export type TokenKeys = (() => Promise<SigningKeys | PublicKeys>) & { refetch?: () => Promise<SigningKeys | PublicKeys> };

const canSign = (keys: SigningKeys | PublicKeys): keys is SigningKeys => 'privateKey' in keys;

export function createAccessTokens(settings: AccessTokenSettings, signingKeys: TokenKeys): AccessTokens {
  return {
    async issue({ userId, sessionId, clientId }, now) {
      const keys = await signingKeys();
      if (!canSign(keys)) throw new Error('this function holds the public key set only: it cannot issue tokens');
      const { kid, privateKey } = keys;
      const iat = Math.floor(now.getTime() / 1000);
      const accessToken = await new SignJWT({ client_id: clientId, sid: sessionId })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(settings.issuer)
        .setSubject(userId)
        .setAudience(settings.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + settings.ttlSeconds)
        .setJti(randomUUID())
        .sign(privateKey);
      return { accessToken, expiresIn: settings.ttlSeconds };
    },

    async verify(token, now) {
      try {
        if (token.length > MAX_ACCESS_TOKEN_LENGTH) throw new Error(`the token is longer than ${MAX_ACCESS_TOKEN_LENGTH} characters`);
        const { payload } = await jwtVerify(token, await keyFromHeader(token, signingKeys), {
          algorithms: [SIGNING_ALGORITHM],
          typ: ACCESS_TOKEN_TYPE,
          issuer: settings.issuer,
          audience: settings.audience,
          requiredClaims: ['sub', 'exp', 'iat', 'jti', 'client_id', 'sid'],
          clockTolerance: 0,
          currentDate: now,
        });
        return claimsOf(payload, now, settings.ttlSeconds);
      } catch (error) {
        // Every reason answers the same; the reason itself is kept for the logs only.
        throw new HaloError('invalid_token', { accessToken: 'the access token is invalid or has expired' }, { cause: error });
      }
    },
  };
}

/**
 * The key for a token's header, checked before its signature: only the parameters Halo signs, a `kid`
 * always (even with one key in the set), and keys only from the local set (no URL is ever fetched).
 * A `kid` the cached set does not know makes one read of the set again (rate-limited by `refetch`): the
 * token may be signed with a key published after this function last read it.
 */
async function keyFromHeader(token: string, signingKeys: TokenKeys) {
  let { publicJwks } = await signingKeys();
  const kid = kidOf(token);
  if (kid !== undefined && signingKeys.refetch && !publicJwks.some((key) => key.kid === kid)) {
    ({ publicJwks } = await signingKeys.refetch());
  }
  const keySet = createLocalJWKSet({ keys: publicJwks });
  return (header: JWSHeaderParameters, token: Parameters<typeof keySet>[1]) => {
    const extra = Object.keys(header).filter((name) => !HEADER_PARAMETERS.has(name));
    if (extra.length > 0) throw new Error(`unexpected header parameters: ${extra.join(', ')}`);
    if (typeof header.kid !== 'string') throw new Error('the header has no kid');
    return keySet(header, token);
  };
}

/** The header's `kid`, if it has a readable one (everything else is judged by jwtVerify). */
function kidOf(token: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(token);
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

/** What jose leaves to us: claim types, `iat` not from the future, and no lifetime longer than Halo issues. */
function claimsOf(payload: JWTPayload, now: Date, ttlSeconds: number): AccessTokenClaims {
  const { sub, sid, client_id, jti, iat = 0, exp = 0 } = payload;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof client_id !== 'string' || typeof jti !== 'string') {
    throw new Error('claims of the wrong type');
  }
  if (iat > Math.floor(now.getTime() / 1000) + MAX_CLOCK_SKEW_SECONDS) throw new Error('the token was issued in the future');
  if (exp - iat > ttlSeconds) throw new Error(`the token lives longer than ${ttlSeconds} s`);
  return { userId: sub, sessionId: sid, clientId: client_id };
}
