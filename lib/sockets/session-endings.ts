import { endedByPasswordChange } from '../accounts/session-standing';
import type { ConnectionRecord, ConnectionsRepository } from '../storage/connections-repository';
import type { SessionEndReason, SessionRecord } from '../storage/sessions-repository';
import type { UserRecord } from '../storage/users-repository';
import type { SocketSender } from './socket-sender';

/** What a socket is told just before the server closes it because its session ended (docs/asyncapi.yaml). */
export const sessionEndedMessage = (reason: SessionEndReason) => ({ type: 'session.ended', data: { reason } }) as const;

/** The one read delivery needs to re-check a socket's session. */
export interface SessionLookup {
  getSession(sessionId: string): Promise<SessionRecord | undefined>;
  /**
   * The session and its user in one read, when the lookup has it (the sessions repository does): then a
   * password change ends the session's sockets at once, before its revocation reaches the session item.
   */
  getUserAndSession?(userId: string, sessionId: string): Promise<{ user?: PasswordChange; session?: SessionRecord }>;
}

/** What of the user item says which sessions a password change ended (lib/accounts/session-standing.ts). */
export type PasswordChange = Pick<UserRecord, 'passwordChangedAt' | 'passwordChangedBy'>;

/**
 * Why a socket's session no longer stands, or `undefined` while it does. A session that is gone (its TTL
 * removed it after its last refresh token expired) counts as expired; a revoked one says why it was revoked;
 * one created before the user's last password change (by another session) ended with it.
 */
export function sessionEndReason(session: SessionRecord | undefined, userId: string, now: Date, user?: PasswordChange): SessionEndReason | undefined {
  if (!session || session.userId !== userId) return 'expired';
  if (session.revokedAt) return session.revokedFor ?? 'revoked';
  if (session.endsAt && !(session.endsAt > now.toISOString())) return 'expired';
  if (user && endedByPasswordChange(user, session)) return 'password_changed';
  return undefined;
}

export interface SessionSocketDeps {
  readonly connections: ConnectionsRepository;
  readonly sockets: SocketSender;
}

/**
 * Tells one socket why, then closes it and removes its record. The message is best effort (a socket that
 * cannot be told is closed all the same); the close is what matters, and if it fails the record stays, so
 * delivery keeps skipping the socket (its session is re-checked) and tries to close it again.
 */
export async function closeEndedSocket(deps: SessionSocketDeps, connectionId: string, reason: SessionEndReason): Promise<void> {
  await deps.sockets.send(connectionId, sessionEndedMessage(reason)).catch(() => undefined);
  await deps.sockets.close(connectionId);
  await deps.connections.delete(connectionId);
}

/**
 * What a socket is told before the server closes it so that it reconnects (docs/asyncapi.yaml): sent to a socket
 * whose connection record names no session (written before records carried one). Such a socket cannot be tied
 * to a live session, so it is never delivered to: a reconnect authenticates its current access token at
 * `$connect` and records the session, and a session that ended in the meantime is refused there.
 */
export const reconnectMessage = { type: 'reconnect' } as const;

/** A record that names no session: the socket is told to reconnect, then closed (as closeEndedSocket does). */
export const isUnbound = (record: ConnectionRecord | undefined): boolean => record !== undefined && !record.sessionId;

export async function closeUnboundSocket(deps: SessionSocketDeps, connectionId: string): Promise<void> {
  await deps.sockets.send(connectionId, reconnectMessage).catch(() => undefined);
  await deps.sockets.close(connectionId);
  await deps.connections.delete(connectionId);
}

/**
 * Closes every open socket of one session, each told why. Called where a session ends (revocation, reuse
 * detection, the absolute lifetime seen at refresh); a socket it misses (a failed close, or one whose
 * `$connect` is writing its record right now) is caught by delivery's re-check, so it never gets another event.
 */
export async function endSessionSockets(deps: SessionSocketDeps, userId: string, sessionId: string, reason: SessionEndReason): Promise<void> {
  const ids = await deps.connections.listForUser(userId);
  const records = await Promise.all(ids.map((id) => deps.connections.get(id)));
  const ofSession = records.filter((record): record is ConnectionRecord => record?.sessionId === sessionId);
  // A socket whose record names no session may be this session's: it is told to reconnect and closed too.
  const unbound = records.filter((record): record is ConnectionRecord => isUnbound(record));
  const outcomes = await Promise.allSettled([
    ...ofSession.map((record) => closeEndedSocket(deps, record.connectionId, reason)),
    ...unbound.map((record) => closeUnboundSocket(deps, record.connectionId)),
  ]);
  const failed = outcomes.filter((outcome) => outcome.status === 'rejected').length;
  if (failed > 0) throw new Error(`${failed} of ${outcomes.length} sockets of session ${sessionId} could not be closed`);
}
