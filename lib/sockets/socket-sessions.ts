import type { SessionDeps } from '../accounts/account-deps';
import { authenticate } from '../accounts/authenticate';
import { HaloError } from '../errors';
import type { ConnectionsRepository } from '../storage/connections-repository';
import type { SocketLimits } from '../throttling/limits';
import { enforceSocketCap } from '../throttling/socket-cap';
import { closeEndedSocket, closeUnboundSocket, isUnbound, sessionEndReason } from './session-endings';
import type { SocketSender } from './socket-sender';

export interface SocketDeps {
  readonly account: SessionDeps;
  readonly connections: ConnectionsRepository;
  readonly sockets: SocketSender;
  /** The cap on sockets per user (lib/config.ts). */
  readonly limits: SocketLimits;
}

/**
 * `$connect`: the same authentication as every HTTP route, then the connection record and its slot under
 * the cap on sockets per user (lib/throttling/socket-cap.ts). The user is read once more after both are
 * written: a deletion that began in between has either already marked the user (so we undo and refuse) or
 * will find the slot (so it closes the socket), whether or not the byUser index shows the record yet.
 */
export async function connectSocket(deps: Omit<SocketDeps, 'sockets'>, connectionId: string, accessToken: string): Promise<string> {
  const { user, claims } = await authenticate(deps.account, accessToken);
  try {
    // The session too: ending it closes this socket, and delivery re-checks it (lib/sockets/session-endings.ts).
    const connection = { connectionId, userId: user.id, connectedAt: deps.account.clock().toISOString(), sessionId: claims.sessionId };
    await deps.connections.put(connection);
    // The slot before the check: a deletion that reads the slots after this sees the socket and closes it.
    await enforceSocketCap({ connections: deps.connections, clock: deps.account.clock }, deps.limits, connection);
    const after = await deps.account.users.getUser(user.id);
    if (after?.status !== 'active') {
      await deps.connections.delete(connectionId);
      throw new HaloError('account_gone', { accessToken: 'the account no longer exists' });
    }
  } catch (error) {
    // An outage refuses the handshake once the record may be written: it must go too, or only its TTL
    // would remove it. (The refusals above remove it themselves.)
    if (!(error instanceof HaloError)) await deps.connections.delete(connectionId).catch(() => undefined);
    throw error;
  }
  return user.id;
}

export const disconnectSocket = (deps: Pick<SocketDeps, 'connections'>, connectionId: string) => deps.connections.delete(connectionId);

export type PingDeps = Pick<SocketDeps, 'connections' | 'sockets'> & { readonly account: Pick<SessionDeps, 'users' | 'sessions' | 'clock'> };

/**
 * `{"action":"ping"}` keeps a socket under API Gateway's 10-minute idle timeout. It is also a check:
 * a socket whose user is gone (a deletion that missed it) is closed instead of answered, one whose
 * session ended (revoked, reused, past its absolute lifetime) is told why and closed, and one whose record
 * names no session is told to reconnect and closed.
 */
export async function pingSocket(
  deps: PingDeps,
  connectionId: string,
): Promise<{ type: 'pong' } | undefined> {
  const connection = await deps.connections.get(connectionId);
  const [user, session] = await Promise.all([
    connection && deps.account.users.getUser(connection.userId),
    connection?.sessionId ? deps.account.sessions.getSession(connection.sessionId) : undefined,
  ]);
  if (user?.status !== 'active') {
    await deps.sockets.close(connectionId);
    await deps.connections.delete(connectionId);
    return undefined;
  }
  if (isUnbound(connection)) {
    // Recorded before records carried their session: no pong for a socket that may belong to an ended session.
    await closeUnboundSocket(deps, connectionId);
    return undefined;
  }
  const ended = connection?.sessionId ? sessionEndReason(session, user.id, deps.account.clock(), user) : undefined;
  if (ended) {
    await closeEndedSocket(deps, connectionId, ended);
    return undefined;
  }
  return { type: 'pong' };
}
