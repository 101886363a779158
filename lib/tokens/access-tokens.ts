import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, jwtVerify } from 'jose';
import { HaloError } from '../errors';
import { SIGNING_ALGORITHM, type SigningKeys } from './signing-keys';

/** RFC 9068 "JWT Profile for OAuth 2.0 Access Tokens". */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

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
  /** Signature, type, issuer, audience and lifetime; stateless (no database read). */
  verify(token: string, now: Date): Promise<AccessTokenClaims>;
}

export function createAccessTokens(settings: AccessTokenSettings, signingKeys: () => Promise<SigningKeys>): AccessTokens {
  return {
    async issue({ userId, sessionId, clientId }, now) {
      const { kid, privateKey } = await signingKeys();
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
      const { publicJwks } = await signingKeys();
      try {
        const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: publicJwks }), {
          algorithms: [SIGNING_ALGORITHM],
          typ: ACCESS_TOKEN_TYPE,
          issuer: settings.issuer,
          audience: settings.audience,
          requiredClaims: ['sub', 'exp', 'iat', 'jti', 'client_id', 'sid'],
          currentDate: now,
        });
        const { sub, sid, client_id } = payload;
        if (typeof sub !== 'string' || typeof sid !== 'string' || typeof client_id !== 'string') {
          throw new Error('claims of the wrong type');
        }
        return { userId: sub, sessionId: sid, clientId: client_id };
      } catch (error) {
        // Every reason answers the same; the reason itself is kept for the logs only.
        throw new HaloError('invalid_token', { authorization: 'the access token is invalid or has expired' }, { cause: error });
      }
    },
  };
}
