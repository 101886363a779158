import { revoke } from '#lib/accounts/revoke';
import { HaloError } from '#lib/errors';
import { oauthRoute } from './common/http-route';
import { clientIdOf } from './common/oauth-client';
import { formBody } from './common/request-body';
import { revokingSessionDeps } from './common/runtime/revoking-sessions';

/** RFC 7009 §2.2: 200 with an empty body, whether or not the token was valid; 400 invalid_grant for another client's token (§2.1). */
export const handler = oauthRoute(async (event) => {
  const form = formBody(event);
  // Public clients have nothing to authenticate, but a client may revoke only its own tokens (§2.1).
  const clientId = clientIdOf(event, form);
  if (!form.token) throw new HaloError('invalid_request', { token: 'is required' });
  await revoke(revokingSessionDeps, { token: form.token, tokenTypeHint: form.token_type_hint, clientId });
  return { statusCode: 200, headers: { 'cache-control': 'no-store' }, body: '' };
});
