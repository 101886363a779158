import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '../config';

export const SIGNING_ALGORITHM = 'ES256';

/** How long a function keeps a key set it read before reading it again (cachedSigningKeys). */
export const KEY_SET_CACHE_SECONDS = 5 * 60;
/** `Cache-Control: max-age` of /.well-known/jwks.json: how long a resource server may keep it. */
export const JWKS_MAX_AGE_SECONDS = 5 * 60;
/** Tolerance for clocks of different hosts (matches access-tokens.ts MAX_CLOCK_SKEW_SECONDS). */
const CLOCK_SKEW_SECONDS = 5;

/**
 * When keys change (docs/design.md, "Signing keys"), in seconds:
 * - `publishLeadSeconds`: a new key is published this long before it signs. The jwks function may serve a key
 *   set it read up to KEY_SET_CACHE_SECONDS ago, and a resource server may keep that answer JWKS_MAX_AGE_SECONDS
 *   more, so by then every cache of the key set holds the new key.
 * - `retainSeconds`: a key is kept this long after its successor starts signing. An issuer with a cached set
 *   may sign with it up to KEY_SET_CACHE_SECONDS more, and what it signed lives up to the longest token lifetime.
 */
export interface KeyTiming {
  readonly publishLeadSeconds: number;
  readonly retainSeconds: number;
}
export const KEY_TIMING: KeyTiming = {
  publishLeadSeconds: KEY_SET_CACHE_SECONDS + JWKS_MAX_AGE_SECONDS + CLOCK_SKEW_SECONDS,
  retainSeconds: KEY_SET_CACHE_SECONDS + MAX_ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS,
};

/**
 * A private JWK with the time (epoch seconds) from which it signs. Before that it is published only, so
 * verifiers know it before any token needs it. Keys without `activeAt` (written before it existed) sign at once.
 */
export type StoredKey = JWK & { readonly activeAt?: number };

/**
 * What the private store holds (a file locally, a Secrets Manager secret on AWS): private keys, newest first.
 * The newest active one signs; all of them verify, so tokens signed before a rotation stay valid until they expire.
 */
export interface KeySet {
  readonly keys: StoredKey[];
}

/** What verifiers read (a second file locally, a second secret on AWS): public keys only. */
export interface PublicKeySet {
  readonly keys: JWK[];
}

export interface PublicKeys {
  /** Public halves only, as served at /.well-known/jwks.json. */
  readonly publicJwks: JWK[];
}

export interface SigningKeys extends PublicKeys {
  readonly kid: string;
  readonly privateKey: CryptoKey;
}

/** Where a key set lives; the file and Secrets Manager stores implement it. */
export interface KeySetSource<T = KeySet> {
  read(): Promise<T>;
}

const seconds = (now: Date) => Math.floor(now.getTime() / 1000);

export async function generateSigningKey(activeAt?: number): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: SIGNING_ALGORITHM, use: 'sig', ...(activeAt !== undefined && { activeAt }) };
}

/**
 * The key set after one rotation at `now`: a new key, published at once and signing `publishLeadSeconds` later
 * (at once when there was no key before: no cache can hold an older set), and every key that may still have
 * signed a live token. A key retires `retainSeconds` after its successor started signing, so two rotations in a
 * row keep the key still signing.
 */
export async function rotateKeySet(current: KeySet | undefined, now = new Date(), timing: KeyTiming = KEY_TIMING): Promise<KeySet> {
  const at = seconds(now);
  const kept = (current?.keys ?? []).filter((key, index, keys) => {
    const successor = keys[index - 1];
    return !successor || (successor.activeAt ?? 0) + timing.retainSeconds > at;
  });
  const first = kept.length === 0;
  return { keys: [await generateSigningKey(first ? at : at + timing.publishLeadSeconds), ...kept] };
}

/** The JWK members only (jose refuses nothing extra, but the key it imports should be exactly a JWK). */
function withoutSchedule(key: StoredKey): JWK {
  const jwk: JWK & { activeAt?: number } = { ...key };
  delete jwk.activeAt;
  return jwk;
}

const publicHalf = ({ kty, crv, x, y, kid }: JWK): JWK => ({ kty, crv, x, y, kid, alg: SIGNING_ALGORITHM, use: 'sig' });

/** The public key set verifiers are given: no private member, no schedule. */
export const publicKeySetOf = (set: KeySet): PublicKeySet => ({ keys: set.keys.map(publicHalf) });

/** The key that signs at `now`: the newest one already active (else the oldest, which is the safest to have published). */
export function activeKey(set: KeySet, now = new Date()): StoredKey | undefined {
  const at = seconds(now);
  return set.keys.find((key) => (key.activeAt ?? 0) <= at) ?? set.keys.at(-1);
}

export async function toSigningKeys(set: KeySet, now = new Date()): Promise<SigningKeys> {
  const current = activeKey(set, now);
  if (!current?.kid || !current.d) throw new Error('the signing key set has no current private key');
  const privateKey = (await importJWK(withoutSchedule(current), SIGNING_ALGORITHM)) as CryptoKey;
  return { kid: current.kid, privateKey, publicJwks: set.keys.map(publicHalf) };
}

export class InvalidKeySetError extends Error {
  override name = 'InvalidKeySetError';
}

export function parseKeySet(text: string): KeySet {
  let parsed: Partial<KeySet>;
  try {
    parsed = JSON.parse(text) as Partial<KeySet>;
  } catch {
    throw new InvalidKeySetError('the signing key set is not JSON');
  }
  if (!Array.isArray(parsed?.keys) || parsed.keys.length === 0) throw new InvalidKeySetError('the signing key set is empty');
  return { keys: parsed.keys };
}

/** A public key set as read by verifiers; a set holding any private member is refused (it was given the wrong store). */
export function parsePublicKeySet(text: string): PublicKeySet {
  const { keys } = parseKeySet(text);
  if (keys.some((key) => 'd' in key)) throw new InvalidKeySetError('the public key set holds a private key');
  return { keys: keys.map(publicHalf) };
}

/** How often a verifier may read the key set again for a token whose `kid` it does not know. */
export const UNKNOWN_KID_REFETCH_MS = 30_000;

/** A cached key set: read at most once per refresh time, and again at once (`refetch`) for an unknown `kid`. */
export interface CachedKeys<T> {
  (): Promise<T>;
  /**
   * Reads the key set again now, unless it was read less than UNKNOWN_KID_REFETCH_MS ago (then the cached one):
   * a token signed with a key published after this verifier's read is accepted without waiting for the
   * cache to expire, and tokens with made-up `kid`s cannot make every request read the store.
   */
  refetch(): Promise<T>;
}

function cachedKeys<T>(read: () => Promise<T>, refreshMs: number, now: () => number): CachedKeys<T> {
  let cached: { at: number; keys: Promise<T> } | undefined;
  const load = () => {
    const keys = read();
    const entry = { at: now(), keys };
    cached = entry;
    // A failed read is retried by the next caller; a superseded read that fails late leaves the newer one alone.
    keys.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return keys;
  };
  const get = () => (!cached || now() - cached.at > refreshMs ? load() : cached.keys);
  return Object.assign(get, { refetch: () => (!cached || now() - cached.at >= UNKNOWN_KID_REFETCH_MS ? load() : cached.keys) });
}

/**
 * The issuers' keys: reads the private key set at most once per `refreshMs` (a rotation reaches warm Lambdas
 * within that time) and shares one read among concurrent callers. The signing key is chosen when the set is
 * read, so a new key starts signing within `refreshMs` of its `activeAt` (KEY_TIMING.retainSeconds counts that).
 */
export function cachedSigningKeys(source: KeySetSource, refreshMs = KEY_SET_CACHE_SECONDS * 1000, now = () => Date.now()): CachedKeys<SigningKeys> {
  return cachedKeys(async () => toSigningKeys(await source.read(), new Date(now())), refreshMs, now);
}

/** The verifiers' keys: the public key set only, cached like the issuers' keys. */
export function cachedPublicKeys(source: KeySetSource<PublicKeySet>, refreshMs = KEY_SET_CACHE_SECONDS * 1000, now = () => Date.now()): CachedKeys<PublicKeys> {
  return cachedKeys(async () => ({ publicJwks: (await source.read()).keys }), refreshMs, now);
}
