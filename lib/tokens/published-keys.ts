import type { JWK } from 'jose';
import type { PublicKeys } from './signing-keys';

/** How long a resource server may cache the answer: the rotation's publish lead counts it (signing-keys.ts KEY_TIMING). */
export { JWKS_MAX_AGE_SECONDS } from './signing-keys';

/** `GET /.well-known/jwks.json` (RFC 7517 §5): the public keys, the next one (not signing yet), current and previous. */
export async function publishedKeySet(keys: () => Promise<PublicKeys>): Promise<{ keys: JWK[] }> {
  return { keys: (await keys()).publicJwks };
}
