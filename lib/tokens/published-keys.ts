import type { JWK } from 'jose';
import type { SigningKeys } from './signing-keys';

/** `GET /.well-known/jwks.json` (RFC 7517 §5): the public halves of the signing keys, current and previous. */
export async function publishedKeySet(signingKeys: () => Promise<SigningKeys>): Promise<{ keys: JWK[] }> {
  return { keys: (await signingKeys()).publicJwks };
}
