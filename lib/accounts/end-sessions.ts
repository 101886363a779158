import { HaloError } from '../errors';
import type { SessionDeps } from './account-deps';
import { authenticate } from './authenticate';
import { endSession } from './end-session';
import { sessionIsLive } from './session-standing';
import { liveSessions } from './session-view';

const noSuchSession = () => new HaloError('not_found', { sessionId: 'is not a live session of this account' });

/** Session ids are UUIDs; anything else names no session (and is never sent to DynamoDB as a key). */
const SESSION_ID = /^[0-9A-Za-z-]{1,64}$/;

/**
 * `DELETE /api/user/sessions/{sessionId}`: signs one device out. Its tokens stop working at once (the session
 * is revoked, `signed_out`) and its sockets are told and closed. The caller's own session may be ended too
 * (signing this device out). Someone else's session, or one already ended, is 404: the same answer as an
 * unknown id, so no caller learns whether another user's session exists.
 */
export async function endOneSession(deps: SessionDeps, accessToken: string, sessionId: string): Promise<void> {
  const { user } = await authenticate(deps, accessToken);
  if (!SESSION_ID.test(sessionId)) throw noSuchSession();
  const now = deps.clock();
  const session = await deps.sessions.getSession(sessionId);
  if (!session || !sessionIsLive(user, session, now)) throw noSuchSession();
  await endSession(deps, { userId: user.id, sessionId }, now, 'signed_out');
}

/**
 * `DELETE /api/user/sessions`: signs out every device but the caller's. The sessions are found through the
 * byUser index, which is eventually consistent: one started within about a second before may be missed (ask
 * again; a password change, by contrast, ends every other session exactly).
 */
export async function endOtherSessions(deps: SessionDeps, accessToken: string): Promise<{ endedSessions: number }> {
  const { user, claims } = await authenticate(deps, accessToken);
  const now = deps.clock();
  const others = (await liveSessions(deps, user, now)).filter((session) => session.id !== claims.sessionId);
  await Promise.all(others.map((session) => endSession(deps, { userId: user.id, sessionId: session.id }, now, 'signed_out')));
  return { endedSessions: others.length };
}
