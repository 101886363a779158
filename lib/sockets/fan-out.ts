import type { ConnectionsRepository } from '../storage/connections-repository';
import type { SessionRecord } from '../storage/sessions-repository';
import { closeEndedSocket, closeUnboundSocket, isUnbound, sessionEndReason, type PasswordChange, type SessionLookup } from './session-endings';
import type { SocketSender } from './socket-sender';

export interface FanOutResult {
  readonly sent: number;
  /** Gone sockets, and those whose session had ended (told why and closed instead of sent the message). */
  readonly gone: number;
  readonly failed: number;
}

/**
 * How long after its `$connect` began a socket reported gone keeps its record: far longer than API Gateway takes
 * from a `$connect` answer to the open socket, far shorter than the idle timeout a dead record waits out otherwise.
 */
export const CONNECTING_GRACE_MS = 30_000;

/**
 * Sends one message to every open socket of a user, all at once: a slow or dead socket costs only its
 * own deadline. Connections API Gateway reports gone are removed (unless they are still connecting), never retried; other failures are
 * counted (and the record kept) because the socket may well be alive.
 */
export async function fanOut(
  deps: { connections: ConnectionsRepository; sockets: SocketSender; sessions?: SessionLookup; clock?: () => Date },
  userId: string,
  message: unknown,
): Promise<FanOutResult> {
  const now = deps.clock ?? (() => new Date());
  const ids = await deps.connections.listForUser(userId);
  const endedFor = sessionCheck(deps, userId, now());
  const outcomes = await Promise.allSettled(
    ids.map(async (id) => {
      // Delivery re-checks the session: a socket whose session ended (and whose close failed or has not
      // happened yet) is told why and closed, never sent the event.
      // The check is read once more if it fails (one lost read must not cost a live socket its event); if it
      // fails again the socket is counted failed and not sent to: an unchecked socket may belong to a revoked session.
      const ended = await endedFor(id).catch(() => endedFor(id));
      if (ended === UNBOUND) {
        await closeUnboundSocket(deps, id);
        return 'gone';
      }
      if (ended) {
        await closeEndedSocket(deps, id, ended);
        return 'gone';
      }
      const outcome = await deps.sockets.send(id, message);
      // A socket whose `$connect` has written its record but not yet answered is reported gone too (API Gateway
      // opens it only after `$connect` answers). Deleting that record would leave an open socket no fan-out and
      // no account deletion could find, so a young record stays; a dead one goes at a later fan-out, its
      // `$disconnect` or its TTL.
      if (outcome === 'gone') await deps.connections.deleteIfConnectedBefore(userId, id, new Date(now().getTime() - CONNECTING_GRACE_MS));
      return outcome;
    }),
  );
  const count = (value: string) => outcomes.filter((o) => o.status === 'fulfilled' && o.value === value).length;
  return { sent: count('sent'), gone: count('gone'), failed: outcomes.filter((o) => o.status === 'rejected').length };
}

/** A socket whose record names no session (written before records carried one): told to reconnect and closed. */
const UNBOUND = 'unbound';

/**
 * Per socket: why its session no longer stands, `UNBOUND`, or `undefined`. One record read per socket, one
 * session read per session (shared by its sockets). A socket without a record (already removed) is delivered to
 * as before. One whose record names no session cannot be tied to a live session, so it gets no event: it is
 * told to reconnect and closed, and its reconnect is authenticated afresh (docs/design.md, "Sockets end with
 * their session").
 */
function sessionCheck(deps: { connections: ConnectionsRepository; sessions?: SessionLookup }, userId: string, now: Date) {
  const { sessions } = deps;
  if (!sessions) return async () => undefined;
  type Check = Promise<{ user?: PasswordChange; session?: SessionRecord }>;
  const checks = new Map<string, Check>();
  // With the user too when the lookup can (one BatchGet): a password change ends the session's sockets at once.
  const read = (sessionId: string): Check =>
    sessions.getUserAndSession
      ? sessions.getUserAndSession(userId, sessionId)
      : sessions.getSession(sessionId).then((session) => ({ session }));
  return async (connectionId: string) => {
    const record = await deps.connections.get(connectionId);
    if (isUnbound(record)) return UNBOUND;
    const sessionId = record?.sessionId;
    if (!sessionId) return undefined;
    let check = checks.get(sessionId);
    if (!check) {
      check = read(sessionId);
      checks.set(sessionId, check);
      // A failed read is not kept: the socket's retry (and its session's other sockets) read again.
      check.catch(() => checks.delete(sessionId));
    }
    const { user, session } = await check;
    return sessionEndReason(session, userId, now, user);
  };
}
