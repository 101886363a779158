import type { SessionRecord } from '../storage/sessions-repository';
import type { UserRecord } from '../storage/users-repository';

/**
 * A password change ends every other session at once, without waiting for the byUser index to list them:
 * the user item records when (`passwordChangedAt`) and by which session (`passwordChangedBy`), in the same
 * write as the new hash, and every session created at or before that moment, other than the one that made the
 * change, no longer stands. A session without `createdAt` (opened before it was recorded) counts as the oldest.
 * "At or before": a login whose user read came before the change has a `createdAt` taken before that read
 * (lib/accounts/login.ts), so a login with the old password racing the change never survives it.
 */
export function endedByPasswordChange(user: Pick<UserRecord, 'passwordChangedAt' | 'passwordChangedBy'>, session: SessionRecord): boolean {
  if (!user.passwordChangedAt || session.id === user.passwordChangedBy) return false;
  return !session.createdAt || session.createdAt <= user.passwordChangedAt;
}

/** Whether a session item is a live session of the user: not revoked, not past its end, not ended by a password change. */
export function sessionIsLive(user: UserRecord, session: SessionRecord, now: Date): boolean {
  if (session.userId !== user.id || session.revokedAt) return false;
  if (session.endsAt && !(session.endsAt > now.toISOString())) return false;
  // Its newest refresh token has expired: nothing can renew it (TTL removes the item later, lazily).
  if (session.ttl !== undefined && !(session.ttl * 1000 > now.getTime())) return false;
  return !endedByPasswordChange(user, session);
}
