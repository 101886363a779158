import type { SessionEndReason } from '../storage/sessions-repository';
import type { SessionDeps } from './account-deps';

/**
 * Revokes a session and has its sockets told and closed. Closing is best effort here: the session is already
 * revoked (the tokens answer 401 from now on), and delivery re-checks the session of every socket, so a socket
 * this misses still never receives another event; its failure must not fail the revocation or the refresh.
 */
export async function endSession(
  deps: SessionDeps,
  session: { userId: string; sessionId: string },
  now: Date,
  reason: SessionEndReason,
): Promise<void> {
  await deps.sessions.revokeSession(session.sessionId, now, reason);
  await deps.sessionEnded?.(session.userId, session.sessionId, reason).catch(() => undefined);
}
