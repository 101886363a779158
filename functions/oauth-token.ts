import type { TokenPair } from '#lib/accounts/sessions';
import { grantTokens } from '#lib/accounts/token-grant';
import { oauthRoute } from './common/http-route';
import { clientIdOf } from './common/oauth-client';
import { formBody } from './common/request-body';
import { oauthJson } from './common/responses';
import { tokenGrantDeps } from './common/runtime/token-grants';

/** RFC 6749 §5.1. Halo has no scopes, so none is returned (and a requested `scope` is ignored). */
const tokenResponse = (tokens: TokenPair) =>
  oauthJson(200, {
    access_token: tokens.accessToken,
    token_type: tokens.tokenType,
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
  });

export const handler = oauthRoute(async (event) => {
  const form = formBody(event);
  const clientId = clientIdOf(event, form);
  return tokenResponse(await grantTokens(tokenGrantDeps, form, clientId, event.requestContext.http.sourceIp));
});
