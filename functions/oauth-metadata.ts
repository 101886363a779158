import { authorizationServerMetadata } from '#lib/tokens/server-metadata';
import { oauthRoute } from './common/http-route';
import { publicJson } from './common/responses';
import { config } from './common/runtime/config';

const metadata = authorizationServerMetadata(config.issuer);

export const handler = oauthRoute(async () => publicJson(metadata, 3600));
