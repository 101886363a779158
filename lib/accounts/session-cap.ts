import type { SessionRecord } from '../storage/sessions-repository';
import type { SessionDeps } from './account-deps';
import { endSession } from './end-session';
import { liveSessions } from './session-view';

/** Oldest first; a session without `createdAt` (opened before it was recorded) counts as the oldest of all. */
export const byAge = (a: SessionRecord, b: SessionRecord) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '');

/**
 * The cap on sessions per user (MAX_SESSIONS_PER_USER, issue 17): after a login has started `newSessionId`, the
 * user's oldest live sessions beyond the cap end, told `session_limit`. Without a cap, every login would add a
 * session that lives up to SESSION_ABSOLUTE_LIFETIME_SECONDS, and deleting the account would cost more with each.
 *
 * The count comes from the byUser index, which is eventually consistent (a write reaches it within about a
 * second: lib/storage/table-design.ts), so a burst of logins may pass the cap briefly; the next login trims
 * back to it. The usual case costs one Query of keys; the items are read only when the keys reach the cap
 * (revoked sessions stay listed until their TTL removes them).
 */
export async function trimSessions(deps: SessionDeps, userId: string, newSessionId: string): Promise<number> {
  const cap = deps.settings.maxSessionsPerUser;
  // The new session may not be listed yet: it is counted apart.
  if ((await deps.sessions.countSessionKeys(userId)) < cap) return 0;
  const user = await deps.users.getUser(userId);
  if (!user) return 0;
  const now = deps.clock();
  const others = (await liveSessions(deps, user, now)).filter((session) => session.id !== newSessionId).sort(byAge);
  const excess = others.slice(0, Math.max(0, others.length + 1 - cap));
  await Promise.all(excess.map((session) => endSession(deps, { userId, sessionId: session.id }, now, 'session_limit')));
  return excess.length;
}
