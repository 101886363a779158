import { createHash, createHmac, randomUUID, webcrypto } from 'node:crypto';
import {
  CompactEncrypt,
  FlattenedSign,
  UnsecuredJWT,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

/**
 * The token-attack catalogue, shared by tests/security/token-attacks.test.ts (the use cases, in process)
 * and tests/e2e/token-attacks.e2e.test.ts (the same attacks over real HTTP and WebSockets), so that the
 * two suites cannot drift apart. Every forged token is built here, from keys and accounts the suite
 * hands in; no token string is ever pasted. docs/design.md lists each attack with the check that stops
 * it, and the unit suite fails if that table misses one.
 */

/** What an attacker knows (the published key and its kid) and, for the claim checks, the service's own key. */
export interface ForgeryKeys {
  readonly issuer: string;
  readonly audience: string;
  /** The access-token lifetime the service issues. */
  readonly ttlSeconds: number;
  /** The service's current key id, as published in its JWKS. */
  readonly kid: string;
  /** The published public JWK. */
  readonly publicJwk: JWK;
  /**
   * The service's own private key. Forgeries signed with it show that the checks behind the signature
   * (type, issuer, audience, lifetime, session) hold on their own: an attacker never has this key.
   */
  readonly privateKey: CryptoKey;
}

/** A signed-in account, with the ids its access token carries. */
export interface Account {
  readonly userId: string;
  readonly sessionId: string;
  readonly clientId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

export interface ForgeContext {
  readonly keys: ForgeryKeys;
  readonly now: Date;
  /** The account the forgeries impersonate. */
  readonly victim: Account;
  /** Another user's account, for tokens that mix two users. */
  readonly bystander: Account;
  /** A key pair the attacker generated, and its public JWK. */
  readonly attacker: { readonly privateKey: CryptoKey; readonly publicJwk: JWK };
}

export interface Forgery {
  readonly name: string;
  /** The check that refuses it (the "Token attacks defended" table in docs/design.md). */
  readonly defence: string;
  forge(context: ForgeContext): Promise<string> | string;
  /**
   * A real token of the other kind (a refresh token as the access token, or the reverse): revoking it
   * rightly ends the victim's session, so the revocation step is skipped for it.
   */
  readonly genuine?: boolean;
}

/** A way Halo can be tricked, tried through the suite's own target. */
export interface Scenario {
  readonly name: string;
  readonly defence: string;
  run(target: TokenTarget): Promise<void>;
}

/**
 * Halo as each suite reaches it. Every refusal function resolves only when the token was refused exactly
 * as documented (the stable code and nothing else: never a 500, never a success) and throws otherwise.
 */
export interface TokenTarget {
  readonly keys: ForgeryKeys;
  now(): Date;
  /** A new account, signed in. */
  signIn(): Promise<Account>;
  /** Each way an access token is presented (by name): each expects `invalid_token`. */
  readonly refuseAccess: Readonly<Record<string, (token: string) => Promise<void>>>;
  /** Throws unless the access token is accepted (on a read-only route). */
  expectAccepted(accessToken: string): Promise<void>;
  /** Each way a refresh token is presented (by name): each expects `invalid_grant`. */
  readonly refuseRefresh: Readonly<Record<string, (token: string) => Promise<void>>>;
  /** A new account, signed in as `clientId` (the OAuth password grant with that client_id): its tokens are that client's. */
  signInAs(clientId: string): Promise<Account>;
  /** A refresh that must succeed: without a client_id (the default client's), or at the token endpoint as `clientId`. */
  refresh(refreshToken: string, clientId?: string): Promise<Pick<Account, 'accessToken' | 'refreshToken'>>;
  /** A refresh at the token endpoint as `clientId` (`undefined`: no client_id, the default client): expects `invalid_grant`. */
  refuseRefreshAs(refreshToken: string, clientId: string | undefined): Promise<void>;
  /**
   * RFC 7009 revocation by `clientId` (`undefined`: no client_id, the default client) of a token issued to another
   * client: expects 400 `invalid_grant` (§2.1).
   */
  refuseRevokeAs(token: string, clientId: string | undefined): Promise<void>;
  /** A refresh by a client other than the one the token was issued to: expects `invalid_grant`. */
  refuseRefreshByAnotherClient(refreshToken: string): Promise<void>;
  /** Lets the refresh grace window (REFRESH_REUSE_GRACE_SECONDS) run out: a clock moved, or a wait on the wire. */
  passGraceWindow(): Promise<void>;
  /** RFC 7009 revocation, which must succeed whatever the token is. */
  revoke(token: string): Promise<void>;
  deleteAccount(account: Account): Promise<void>;
  /** Another login of the same account (a second device): a session of its own. */
  secondDevice(account: Account): Promise<Account>;
  /** `POST /api/user/password` from the account's session, with the right current password: must succeed. */
  changePassword(account: Account): Promise<void>;
  /** `DELETE /api/user/sessions/{sessionId}` with the caller's access token: `ended`, or `not_found` (the documented 404). */
  endSession(caller: Account, sessionId: string): Promise<'ended' | 'not_found'>;
}

// ---------------------------------------------------------------------------------------------------
// Building tokens

const encode = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The claims Halo itself would put in the victim's access token at `now`. */
export function honestClaims({ keys, now, victim }: Pick<ForgeContext, 'keys' | 'now' | 'victim'>): JWTPayload {
  const iat = Math.floor(now.getTime() / 1000);
  return {
    iss: keys.issuer,
    aud: keys.audience,
    sub: victim.userId,
    sid: victim.sessionId,
    client_id: victim.clientId,
    iat,
    exp: iat + keys.ttlSeconds,
    jti: randomUUID(),
  };
}

/**
 * A compact ES256 JWS made by hand (WebCrypto signs; the JOSE parts are plain base64url), so that any
 * header can be forged, including ones jose itself refuses to produce (an unknown `crit`).
 */
async function es256(header: Record<string, unknown>, payload: JWTPayload | string, key: CryptoKey): Promise<string> {
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

const hs256 = (header: Record<string, unknown>, payload: JWTPayload, secret: string | Buffer) => {
  const input = `${encode({ ...header, alg: 'HS256' })}.${encode(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

/** Halo's own header and claims, each overridable; `undefined` removes one. */
export function signed(
  context: Pick<ForgeContext, 'keys' | 'now' | 'victim'>,
  { header = {}, claims = {}, key = context.keys.privateKey }: { header?: Record<string, unknown>; claims?: JWTPayload; key?: CryptoKey } = {},
): Promise<string> {
  const fullHeader = dropUndefined({ alg: 'ES256', kid: context.keys.kid, typ: 'at+jwt', ...header });
  return es256(fullHeader, dropUndefined({ ...honestClaims(context), ...claims }), key);
}

function dropUndefined<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

/** Replaces one part of a compact JWS, keeping the other two (the signature in particular). */
function withPart(token: string, index: 0 | 1, change: (decoded: Record<string, unknown>) => Record<string, unknown>): string {
  const parts = token.split('.');
  parts[index] = encode(change(JSON.parse(Buffer.from(parts[index] ?? '', 'base64url').toString()) as Record<string, unknown>));
  return parts.join('.');
}

/** A key pair for the attacker, the public half as a JWK an attacker would publish. */
export async function attackerKeys(): Promise<ForgeContext['attacker']> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: `attacker-${randomUUID()}`, alg: 'ES256', use: 'sig' } };
}

const SECONDS_PER_YEAR = 365 * 24 * 3600;
const epoch = (now: Date) => Math.floor(now.getTime() / 1000);

/** About 7.4 KB once encoded: ten times any token Halo issues and past its cap, yet inside the 16 KB of headers a gateway takes. */
export const HUGE_TOKEN_PADDING = 5_000;

/** Where `jku`/`x5u` headers point. The unit suite serves this itself to prove nobody fetches it. */
export interface ForgeryUrls {
  readonly attackerJwksUrl: string;
}

let urls: ForgeryUrls = { attackerJwksUrl: 'http://127.0.0.1:9/attacker/jwks.json' };
/** Lets the unit suite point `jku`/`x5u` at a server it watches. */
export const pointForgeriesAt = (next: ForgeryUrls) => {
  urls = next;
};

// ---------------------------------------------------------------------------------------------------
// The catalogue

/** Forged access tokens: each must be refused with `invalid_token` everywhere an access token is taken. */
export const FORGED_ACCESS_TOKENS: readonly Forgery[] = [
  {
    name: 'alg "none" (unsigned)',
    defence: 'algorithm allow-list: ES256 only',
    forge: (c) => new UnsecuredJWT(honestClaims(c)).encode(),
  },
  {
    name: 'alg "none" with the real kid and typ at+jwt',
    defence: 'algorithm allow-list: ES256 only',
    forge: (c) => `${encode({ alg: 'none', kid: c.keys.kid, typ: 'at+jwt' })}.${encode(honestClaims(c))}.`,
  },
  {
    name: 'HS256 with a secret the attacker chose',
    defence: 'algorithm allow-list: ES256 only',
    forge: (c) => hs256({ kid: c.keys.kid, typ: 'at+jwt' }, honestClaims(c), 'a-secret-the-attacker-chose-of-32+bytes'),
  },
  {
    name: 'HS256 keyed with the published JWK (algorithm confusion)',
    defence: 'algorithm allow-list: ES256 only; the key set holds EC public keys, never secrets',
    forge: (c) => hs256({ kid: c.keys.kid, typ: 'at+jwt' }, honestClaims(c), JSON.stringify(c.keys.publicJwk)),
  },
  {
    name: 'HS256 keyed with the public key as PEM (algorithm confusion)',
    defence: 'algorithm allow-list: ES256 only; the key set holds EC public keys, never secrets',
    forge: async (c) => {
      const pem = await exportSPKI((await importJWK({ ...c.keys.publicJwk, alg: 'ES256' }, 'ES256', { extractable: true })) as CryptoKey);
      return hs256({ kid: c.keys.kid, typ: 'at+jwt' }, honestClaims(c), pem);
    },
  },
  {
    name: 'ES256 signed by another key, claiming the real kid',
    defence: 'ES256 signature checked against the published key of that kid',
    forge: (c) => signed(c, { key: c.attacker.privateKey }),
  },
  {
    name: 'ES256 signed by another key, with an unknown kid',
    defence: 'kid must name a key in the key set',
    forge: (c) => signed(c, { key: c.attacker.privateKey, header: { kid: c.attacker.publicJwk.kid } }),
  },
  {
    name: 'no kid (signed with the service key)',
    defence: 'kid required: every token Halo signs names its key',
    forge: (c) => signed(c, { header: { kid: undefined } }),
  },
  {
    name: 'an all-zero signature (CVE-2022-21449, "psychic signatures")',
    defence: 'ES256 signature check (r and s must be in range)',
    forge: async (c) => `${(await signed(c)).split('.').slice(0, 2).join('.')}.${Buffer.alloc(64).toString('base64url')}`,
  },
  {
    name: 'the signature stripped',
    defence: 'ES256 signature check',
    forge: async (c) => `${(await signed(c)).split('.').slice(0, 2).join('.')}.`,
  },
  {
    name: 'wrong iss (signed with the service key)',
    defence: 'iss must be the service URL',
    forge: (c) => signed(c, { claims: { iss: 'https://evil.example' } }),
  },
  {
    name: 'wrong aud (signed with the service key)',
    defence: 'aud must name the Halo API',
    forge: (c) => signed(c, { claims: { aud: 'https://another-api.example' } }),
  },
  {
    name: 'typ "JWT" instead of at+jwt (signed with the service key)',
    defence: 'typ must be at+jwt (RFC 9068 §4), so no other kind of JWT passes as an access token',
    forge: (c) => signed(c, { header: { typ: 'JWT' } }),
  },
  {
    name: 'no typ (signed with the service key)',
    defence: 'typ must be at+jwt (RFC 9068 §4), so no other kind of JWT passes as an access token',
    forge: (c) => signed(c, { header: { typ: undefined } }),
  },
  {
    name: 'expired a minute ago (signed with the service key)',
    defence: 'exp checked with no tolerance',
    forge: (c) => signed(c, { claims: { iat: epoch(c.now) - c.keys.ttlSeconds - 60, exp: epoch(c.now) - 60 } }),
  },
  {
    name: 'not yet valid: nbf a minute ahead (signed with the service key)',
    defence: 'nbf checked with no tolerance',
    forge: (c) => signed(c, { claims: { nbf: epoch(c.now) + 60 } }),
  },
  {
    name: 'issued a minute in the future: iat ahead (signed with the service key)',
    defence: 'iat may be at most 5 s ahead (clock skew between functions)',
    forge: (c) => signed(c, { claims: { iat: epoch(c.now) + 60, exp: epoch(c.now) + 60 + c.keys.ttlSeconds } }),
  },
  {
    name: 'a lifetime of a year (signed with the service key)',
    defence: 'exp - iat may not exceed the lifetime Halo issues',
    forge: (c) => signed(c, { claims: { exp: epoch(c.now) + SECONDS_PER_YEAR } }),
  },
  {
    name: 'no exp (signed with the service key)',
    defence: 'required claims: sub, exp, iat, jti, client_id, sid',
    forge: (c) => signed(c, { claims: { exp: undefined } }),
  },
  {
    name: 'tampered payload: sub changed to another user, signature kept',
    defence: 'ES256 signature covers the payload',
    forge: async (c) => withPart(await signed(c), 1, (claims) => ({ ...claims, sub: c.bystander.userId })),
  },
  {
    name: 'tampered payload: exp pushed a day out, signature kept',
    defence: 'ES256 signature covers the payload',
    forge: async (c) => withPart(await signed(c), 1, (claims) => ({ ...claims, exp: Number(claims.exp) + 24 * 3600 })),
  },
  {
    name: 'tampered header: re-serialised with the same values, signature kept',
    defence: 'ES256 signature covers the header bytes',
    forge: async (c) => withPart(await signed(c), 0, ({ alg, kid, typ }) => ({ typ, kid, alg })),
  },
  {
    name: 'tampered header: alg changed to ES384, signature kept',
    defence: 'algorithm allow-list: ES256 only',
    forge: async (c) => withPart(await signed(c), 0, (header) => ({ ...header, alg: 'ES384' })),
  },
  {
    name: 'a crit header naming an unknown extension (signed with the service key)',
    defence: 'crit extensions are refused (RFC 7515 §4.1.11); the header may hold only alg, kid and typ',
    forge: (c) => signed(c, { header: { crit: ['exp'], exp: epoch(c.now) + SECONDS_PER_YEAR } }),
  },
  {
    name: 'a jku header pointing at the attacker\'s key set',
    defence: 'the header may hold only alg, kid and typ; keys come only from the local key set, nothing is fetched',
    forge: (c) => signed(c, { key: c.attacker.privateKey, header: { kid: c.attacker.publicJwk.kid, jku: urls.attackerJwksUrl } }),
  },
  {
    name: 'a jwk header embedding the attacker\'s public key',
    defence: 'the header may hold only alg, kid and typ; keys come only from the local key set, nothing is fetched',
    forge: (c) => signed(c, { key: c.attacker.privateKey, header: { kid: c.attacker.publicJwk.kid, jwk: c.attacker.publicJwk } }),
  },
  {
    name: 'an x5u header pointing at the attacker\'s certificate',
    defence: 'the header may hold only alg, kid and typ; keys come only from the local key set, nothing is fetched',
    forge: (c) => signed(c, { key: c.attacker.privateKey, header: { x5u: urls.attackerJwksUrl.replace(/jwks\.json$/, 'cert.pem') } }),
  },
  {
    name: 'a jku header on a token signed with the service key',
    defence: 'the header may hold only alg, kid and typ; keys come only from the local key set, nothing is fetched',
    forge: (c) => signed(c, { header: { jku: urls.attackerJwksUrl } }),
  },
  {
    name: 'a JWE encrypted to the published key instead of a JWS',
    defence: 'only compact JWS (three parts) is parsed',
    forge: async (c) => {
      const encryptionKey = await importJWK({ kty: c.keys.publicJwk.kty, crv: c.keys.publicJwk.crv, x: c.keys.publicJwk.x, y: c.keys.publicJwk.y }, 'ECDH-ES');
      return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(honestClaims(c))))
        .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid: c.keys.kid, typ: 'at+jwt' })
        .encrypt(encryptionKey);
    },
  },
  {
    name: 'a JSON-serialised JWS (signed with the service key)',
    defence: 'only compact JWS is accepted: the Bearer syntax (RFC 6750 §2.1) and the verifier both refuse JSON',
    forge: async (c) =>
      JSON.stringify(
        await new FlattenedSign(new TextEncoder().encode(JSON.stringify(honestClaims(c))))
          .setProtectedHeader({ alg: 'ES256', kid: c.keys.kid, typ: 'at+jwt' })
          .sign(c.keys.privateKey),
      ),
  },
  {
    name: 'a huge token (signed with the service key)',
    defence: 'tokens over 4,096 characters are refused before any decoding',
    forge: (c) => signed(c, { claims: { padding: 'x'.repeat(HUGE_TOKEN_PADDING) } }),
  },
  {
    name: 'sub of the victim with the session of another user (signed with the service key)',
    defence: 'the session read must belong to sub (one BatchGet of user and session)',
    forge: (c) => signed(c, { claims: { sid: c.bystander.sessionId } }),
  },
  {
    name: 'a user id that does not exist (signed with the service key)',
    defence: 'the user read must find an active user',
    forge: (c) => signed(c, { claims: { sub: randomUUID() } }),
  },
  {
    name: 'the victim\'s refresh token presented as the access token',
    defence: 'only a verified at+jwt is an access token; a refresh token is an opaque random string',
    forge: (c) => c.victim.refreshToken,
    genuine: true,
  },
];

/** Forged refresh tokens: each must be refused with `invalid_grant`, and must not end the victim's session. */
export const FORGED_REFRESH_TOKENS: readonly Forgery[] = [
  {
    name: 'the victim\'s access token presented as the refresh token',
    defence: 'refresh tokens are 43 base64url characters, looked up by hash; a JWT is neither',
    forge: (c) => c.victim.accessToken,
    genuine: true,
  },
  {
    name: 'the refresh token with its first character changed',
    defence: 'lookup by SHA-256 of the exact token',
    forge: (c) => `${c.victim.refreshToken.startsWith('A') ? 'B' : 'A'}${c.victim.refreshToken.slice(1)}`,
  },
  {
    name: 'the refresh token\'s stored SHA-256 (a leaked table row)',
    defence: 'the table holds hashes only; a hash presented as a token hashes to nothing known',
    forge: (c) => createHash('sha256').update(c.victim.refreshToken).digest('base64url'),
  },
  {
    name: 'a well-formed refresh token that was never issued',
    defence: 'lookup by SHA-256 of the exact token',
    forge: () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(32))).toString('base64url'),
  },
  {
    name: 'the refresh token with trailing padding',
    defence: 'refresh tokens are exactly 43 base64url characters',
    forge: (c) => `${c.victim.refreshToken}=`,
  },
  {
    name: 'a 1,000-character token',
    defence: 'refresh tokens are exactly 43 base64url characters',
    forge: () => 'A'.repeat(1000),
  },
];

const expectRefusedEverywhere = async (refusals: TokenTarget['refuseAccess'], token: string) => {
  for (const [channel, refuse] of Object.entries(refusals)) {
    await refuse(token).catch((error: unknown) => {
      throw new Error(`${channel}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
  }
};

/** Account-level attacks, run through the target's own use cases or routes. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'refresh reuse after the grace window revokes the family: the newest pair fails too',
    defence: 'refresh-token rotation with reuse detection (RFC 9700 §4.14.2): a token rotated out longer than REFRESH_REUSE_GRACE_SECONDS ago revokes its session',
    async run(target) {
      const account = await target.signIn();
      const rotated = await target.refresh(account.refreshToken);
      await target.passGraceWindow();
      await expectRefusedEverywhere(target.refuseRefresh, account.refreshToken);
      await expectRefusedEverywhere(target.refuseRefresh, rotated.refreshToken);
      await expectRefusedEverywhere(target.refuseAccess, rotated.accessToken);
      await expectRefusedEverywhere(target.refuseAccess, account.accessToken);
    },
  },
  {
    name: 'refresh replay inside the grace window (a lost answer, two tabs): the same live token, nothing more',
    defence: 'the replay gets the successor its rotation derived (HMAC of the old token), so the session keeps one live refresh token; once the window passes the old token counts as reuse',
    async run(target) {
      const account = await target.signIn();
      const rotated = await target.refresh(account.refreshToken);
      const replayed = await target.refresh(account.refreshToken);
      if (replayed.refreshToken !== rotated.refreshToken) throw new Error('the replay got a second live refresh token');
      await target.expectAccepted(replayed.accessToken);
      await target.expectAccepted(rotated.accessToken);
      await target.passGraceWindow();
      await expectRefusedEverywhere(target.refuseRefresh, account.refreshToken);
      await expectRefusedEverywhere(target.refuseRefresh, rotated.refreshToken);
    },
  },
  {
    name: 'refresh replay inside the grace window by another client',
    defence: 'the window is for the client the token was issued to; another client_id revokes the session',
    async run(target) {
      const account = await target.signIn();
      const rotated = await target.refresh(account.refreshToken);
      await target.refuseRefreshByAnotherClient(account.refreshToken);
      await expectRefusedEverywhere(target.refuseRefresh, rotated.refreshToken);
      await expectRefusedEverywhere(target.refuseAccess, rotated.accessToken);
    },
  },
  {
    name: 'refresh replay inside the grace window after the session was revoked',
    defence: 'the window never revives a session: every refresh checks the session is not revoked',
    async run(target) {
      const account = await target.signIn();
      const rotated = await target.refresh(account.refreshToken);
      await target.revoke(rotated.refreshToken);
      await expectRefusedEverywhere(target.refuseRefresh, account.refreshToken);
      await expectRefusedEverywhere(target.refuseAccess, rotated.accessToken);
    },
  },
  {
    name: 'refresh replay inside the grace window after the account was deleted',
    defence: 'every refresh reads the user; a deleted user has no record',
    async run(target) {
      const account = await target.signIn();
      const rotated = await target.refresh(account.refreshToken);
      await target.deleteAccount({ ...account, ...rotated });
      await expectRefusedEverywhere(target.refuseRefresh, account.refreshToken);
      await expectRefusedEverywhere(target.refuseRefresh, rotated.refreshToken);
    },
  },
  {
    name: 'a refresh token issued to client appA, presented by client appB',
    defence: 'a refresh token works only with the client it was issued to (RFC 6749 §6, RFC 9700 §4.14); another client holding it can only have stolen it, so the session ends',
    async run(target) {
      const account = await target.signInAs('appA');
      await target.refuseRefreshAs(account.refreshToken, 'appB');
      await target.refuseRefreshAs(account.refreshToken, 'appA');
      await expectRefusedEverywhere(target.refuseAccess, account.accessToken);
    },
  },
  {
    name: 'a refresh token issued to client appA, presented without a client_id (at the token endpoint and at /api/refresh)',
    defence: 'a request without a client_id is the default client\'s, and a token issued to another client is refused there too; the session ends',
    async run(target) {
      // Each way in with a session of its own: the first refusal ends the session, so later ones would prove nothing.
      for (const [channel, refuse] of Object.entries(target.refuseRefresh)) {
        const account = await target.signInAs('appA');
        await refuse(account.refreshToken).catch((error: unknown) => {
          throw new Error(`${channel}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        });
        await target.refuseRefreshAs(account.refreshToken, 'appA');
      }
    },
  },
  {
    name: 'revocation of appA\'s access or refresh token by client appB, or without a client_id',
    defence: 'RFC 7009 §2.1: a client may revoke only its own tokens; 400 invalid_grant, and the session stays alive',
    async run(target) {
      const account = await target.signInAs('appA');
      for (const token of [account.refreshToken, account.accessToken]) {
        await target.refuseRevokeAs(token, 'appB');
        await target.refuseRevokeAs(token, undefined);
      }
      await target.expectAccepted(account.accessToken);
      const refreshed = await target.refresh(account.refreshToken, 'appA');
      await target.expectAccepted(refreshed.accessToken);
    },
  },
  {
    name: 'a revoked session\'s access and refresh tokens',
    defence: 'every request reads the session; revocation is immediate',
    async run(target) {
      const account = await target.signIn();
      await target.expectAccepted(account.accessToken);
      await target.revoke(account.refreshToken);
      await expectRefusedEverywhere(target.refuseAccess, account.accessToken);
      await expectRefusedEverywhere(target.refuseRefresh, account.refreshToken);
    },
  },
  {
    name: 'a deleted user\'s access and refresh tokens',
    defence: 'every request reads the user; a deleted user has no record (and a deleting one is not active)',
    async run(target) {
      const account = await target.signIn();
      const second = await target.refresh(account.refreshToken); // a live pair, not only a rotated-out one
      await target.deleteAccount({ ...account, ...second });
      await expectRefusedEverywhere(target.refuseAccess, account.accessToken);
      await expectRefusedEverywhere(target.refuseAccess, second.accessToken);
      await expectRefusedEverywhere(target.refuseRefresh, second.refreshToken);
    },
  },
  {
    name: "another device's access and refresh tokens after a password change",
    defence:
      'the password change writes passwordChangedAt/passwordChangedBy with the new hash; authentication, refresh and socket delivery refuse every other session created before it, then each is revoked (password_changed)',
    async run(target) {
      const account = await target.signIn();
      const other = await target.secondDevice(account);
      const renewed = await target.refresh(other.refreshToken); // a live pair, not only the first one
      await target.changePassword(account);
      await expectRefusedEverywhere(target.refuseAccess, other.accessToken);
      await expectRefusedEverywhere(target.refuseAccess, renewed.accessToken);
      await expectRefusedEverywhere(target.refuseRefresh, renewed.refreshToken);
      // The session that made the change stands, and keeps refreshing.
      await target.expectAccepted(account.accessToken);
      await target.expectAccepted((await target.refresh(account.refreshToken)).accessToken);
    },
  },
  {
    name: 'a signed-out device\'s access and refresh tokens (DELETE /api/user/sessions/{sessionId})',
    defence: 'signing a device out revokes its session (signed_out); every request and every refresh reads the session',
    async run(target) {
      const account = await target.signIn();
      const other = await target.secondDevice(account);
      if ((await target.endSession(account, other.sessionId)) !== 'ended') throw new Error('the sign-out was refused');
      await expectRefusedEverywhere(target.refuseAccess, other.accessToken);
      await expectRefusedEverywhere(target.refuseRefresh, other.refreshToken);
      await target.expectAccepted(account.accessToken);
    },
  },
  {
    name: "ending another user's session by its id",
    defence: "DELETE /api/user/sessions/{sessionId} ends only a live session of the caller's own account: any other id answers the same 404 and ends nothing",
    async run(target) {
      const attacker = await target.signIn();
      const victim = await target.signIn();
      if ((await target.endSession(attacker, victim.sessionId)) !== 'not_found') throw new Error("another user's session was ended");
      await target.expectAccepted(victim.accessToken);
      await target.expectAccepted((await target.refresh(victim.refreshToken)).accessToken);
    },
  },
];

/**
 * One forged access token against every channel; then, since revocation takes an access token too, the
 * forgery is revoked, and the victim's session must still stand (a forged token can neither get in nor
 * log anyone out).
 */
export async function expectForgedAccessRefused(target: TokenTarget, forgery: Forgery, context: ForgeContext): Promise<void> {
  const token = await forgery.forge(context);
  await expectRefusedEverywhere(target.refuseAccess, token);
  if (!forgery.genuine) await target.revoke(token);
  await target.expectAccepted(context.victim.accessToken);
  await target.expectAccepted(context.bystander.accessToken);
}

/** One forged refresh token against every refresh channel; the victim's session must still stand. */
export async function expectForgedRefreshRefused(target: TokenTarget, forgery: Forgery, context: ForgeContext): Promise<void> {
  const token = await forgery.forge(context);
  await expectRefusedEverywhere(target.refuseRefresh, token);
  if (!forgery.genuine) await target.revoke(token);
  await target.expectAccepted(context.victim.accessToken);
}

/** The honest token the forgeries start from: it must be accepted, or every refusal would prove nothing. */
export const honestAccessToken = (context: ForgeContext) => signed(context);

/** Every attack with its defence, for the table in docs/design.md. */
export const ALL_ATTACKS = [...FORGED_ACCESS_TOKENS, ...FORGED_REFRESH_TOKENS, ...SCENARIOS];
