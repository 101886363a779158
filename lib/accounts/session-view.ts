import type { SessionRecord, SessionsRepository } from '../storage/sessions-repository';
import type { UserRecord } from '../storage/users-repository';
import { sessionIsLive } from './session-standing';

/** A session as its user sees it: nothing secret (no token, no hash), only what tells the devices apart. */
export interface SessionView {
  readonly id: string;
  readonly clientId: string;
  /** Null for a session opened before the time was recorded. */
  readonly createdAt: string | null;
  /** The last time it got tokens (login, then each refresh); null as above. */
  readonly lastUsedAt: string | null;
  /** Its absolute end (SESSION_ABSOLUTE_LIFETIME_SECONDS after its login); null until a legacy session's next refresh. */
  readonly endsAt: string | null;
  /** Whether it is the session of the access token that asked. */
  readonly current: boolean;
}

export const toSessionView = (session: SessionRecord, currentSessionId?: string): SessionView => ({
  id: session.id,
  clientId: session.clientId,
  createdAt: session.createdAt ?? null,
  lastUsedAt: session.lastUsedAt ?? null,
  endsAt: session.endsAt ?? null,
  current: session.id === currentSessionId,
});

/**
 * The user's live sessions, newest first: the byUser index's list read item by item with strong consistency,
 * without the revoked, the expired and those a password change ended. Reusable by any read of the account
 * (the export). The index may lag a just-started session; the caller's own is added if it is missing.
 */
export async function liveSessions(
  deps: { sessions: Pick<SessionsRepository, 'listSessions' | 'getSession'> },
  user: UserRecord,
  now: Date,
  currentSessionId?: string,
): Promise<SessionRecord[]> {
  const listed = await deps.sessions.listSessions(user.id);
  if (currentSessionId && !listed.some((session) => session.id === currentSessionId)) {
    const current = await deps.sessions.getSession(currentSessionId);
    if (current) listed.push(current);
  }
  return listed
    .filter((session) => sessionIsLive(user, session, now))
    .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
}
