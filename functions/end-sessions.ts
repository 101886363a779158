import { endOneSession, endOtherSessions } from '#lib/accounts/end-sessions';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { revokingSessionDeps } from './common/runtime/revoking-sessions';

/** `DELETE /api/user/sessions/{sessionId}` (one session) and `DELETE /api/user/sessions` (all but the caller's). */
export const handler = jsendRoute(async (event) => {
  const sessionId = event.pathParameters?.sessionId;
  if (sessionId === undefined) return success(await endOtherSessions(revokingSessionDeps, bearerToken(event)));
  await endOneSession(revokingSessionDeps, bearerToken(event), sessionId);
  return success(null);
});
