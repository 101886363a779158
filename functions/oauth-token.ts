import { refresh } from '#lib/accounts/refresh';
import type { TokenPair } from '#lib/accounts/sessions';
import { HaloError } from '#lib/errors';
import { throttledLogin } from '#lib/throttling/throttled-login';
import { oauthRoute } from './common/http-route';
import { clientIdOf } from './common/oauth-client';
import { formBody } from './common/request-body';
import { oauthJson } from './common/responses';
import { loginThrottle } from './common/runtime/abuse-limits';
import { accountDeps } from './common/runtime/accounts';

const required = (form: Record<string, string>, name: string): string => {
  const value = form[name];
  if (!value) throw new HaloError('invalid_request', { [name]: 'is required' });
  return value;
};

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
  switch (required(form, 'grant_type')) {
    case 'password': {
      const credentials = { identifier: required(form, 'username'), password: required(form, 'password'), clientId };
      const { tokens } = await throttledLogin(accountDeps, loginThrottle, credentials, event.requestContext.http.sourceIp);
      return tokenResponse(tokens);
    }
    case 'refresh_token':
      return tokenResponse(await refresh(accountDeps, { refreshToken: required(form, 'refresh_token'), clientId }));
    default:
      throw new HaloError('unsupported_grant_type', { grant_type: 'must be "password" or "refresh_token"' });
  }
});
