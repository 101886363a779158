import { publishedKeySet } from '#lib/tokens/published-keys';
import { oauthRoute } from './common/http-route';
import { publicJson } from './common/responses';
import { signingKeys } from './common/runtime/signing-keys';

/** Cached briefly so a rotation's new key reaches verifiers that refetch on an unknown `kid` soon. */
export const handler = oauthRoute(async () => publicJson(await publishedKeySet(signingKeys), 300));
