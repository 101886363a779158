import { JWKS_MAX_AGE_SECONDS, publishedKeySet } from '#lib/tokens/published-keys';
import { oauthRoute } from './common/http-route';
import { publicJson } from './common/responses';
import { publicKeys } from './common/runtime/public-keys';

/**
 * The public key set, which lists a new key before it signs: a resource server may cache this answer
 * JWKS_MAX_AGE_SECONDS, and the rotation publishes a key that much (plus this function's own cache) ahead.
 */
export const handler = oauthRoute(async () => publicJson(await publishedKeySet(publicKeys), JWKS_MAX_AGE_SECONDS));
