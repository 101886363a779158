import type { JWK } from 'jose';
import type { PublicKeys } from './signing-keys';

/** `GET /.well-known/jwks.json` (RFC 7517 §5): the public keys, the next one (not signing yet), current and previous. */
export async function publishedKeySet(keys: () => Promise<PublicKeys>): Promise<{ keys: JWK[] }> {
  return { keys: (await keys()).publicJwks };
}
