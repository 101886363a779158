import type { SessionDeps } from './account-deps';
import { authenticate } from './authenticate';
import { liveSessions, toSessionView, type SessionView } from './session-view';

/** `GET /api/user/sessions`: the caller's live sessions (one per login or sign-up), the caller's marked `current`. */
export async function listSessions(deps: SessionDeps, accessToken: string): Promise<{ sessions: SessionView[] }> {
  const { user, claims } = await authenticate(deps, accessToken);
  const sessions = await liveSessions(deps, user, deps.clock(), claims.sessionId);
  return { sessions: sessions.map((session) => toSessionView(session, claims.sessionId)) };
}
