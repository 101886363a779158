import { revoke } from '#lib/accounts/revoke';
import { HaloError } from '#lib/errors';
import { oauthRoute } from './common/http-route';
import { clientIdOf } from './common/oauth-client';
import { formBody } from './common/request-body';
import { sessionDeps } from './common/runtime/sessions';

/** RFC 7009 §2.2: 200 with an empty body, whether or not the token was valid. */
export const handler = oauthRoute(async (event) => {
  const form = formBody(event);
  clientIdOf(event, form); // validated for shape only: public clients have nothing to authenticate
  if (!form.token) throw new HaloError('invalid_request', { token: 'is required' });
  await revoke(sessionDeps, { token: form.token, tokenTypeHint: form.token_type_hint });
  return { statusCode: 200, headers: { 'cache-control': 'no-store' }, body: '' };
});
