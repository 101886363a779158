import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';

export const SIGNING_ALGORITHM = 'ES256';

/**
 * What is stored (a file locally, a Secrets Manager secret on AWS): private JWKs, newest first.
 * The first signs; all of them verify, so tokens signed before a rotation stay valid until they expire.
 */
export interface KeySet {
  readonly keys: JWK[];
}

export interface SigningKeys {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** Public halves only, as served at /.well-known/jwks.json. */
  readonly publicJwks: JWK[];
}

/** Where the key set lives; the file and Secrets Manager stores implement it. */
export interface KeySetSource {
  read(): Promise<KeySet>;
}

export async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: SIGNING_ALGORITHM, use: 'sig' };
}

/** The key set after one rotation: a new current key, the previous current kept for verification. */
export async function rotateKeySet(current: KeySet | undefined): Promise<KeySet> {
  return { keys: [await generateSigningKey(), ...(current?.keys.slice(0, 1) ?? [])] };
}

export async function toSigningKeys(set: KeySet): Promise<SigningKeys> {
  const [current] = set.keys;
  if (!current?.kid || !current.d) throw new Error('the signing key set has no current private key');
  const privateKey = (await importJWK(current, SIGNING_ALGORITHM)) as CryptoKey;
  const publicJwks = set.keys.map(({ kty, crv, x, y, kid }) => ({ kty, crv, x, y, kid, alg: SIGNING_ALGORITHM, use: 'sig' }));
  return { kid: current.kid, privateKey, publicJwks };
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

/**
 * Reads the key set at most once per `refreshMs` (a rotation reaches warm Lambdas within that time)
 * and shares one read among concurrent callers.
 */
export function cachedSigningKeys(source: KeySetSource, refreshMs = 5 * 60_000, now = () => Date.now()) {
  let cached: { at: number; keys: Promise<SigningKeys> } | undefined;
  return (): Promise<SigningKeys> => {
    if (!cached || now() - cached.at > refreshMs) {
      const keys = source.read().then(toSigningKeys);
      const entry = { at: now(), keys };
      cached = entry;
      // A failed read is retried by the next caller; a superseded read that fails late leaves the newer one alone.
      keys.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.keys;
  };
}
