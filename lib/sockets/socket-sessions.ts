import type { SessionDeps } from '../accounts/account-deps';
import { authenticate } from '../accounts/authenticate';
import { HaloError } from '../errors';
import type { ConnectionsRepository } from '../storage/connections-repository';
import type { SocketLimits } from '../throttling/limits';
import { enforceSocketCap } from '../throttling/socket-cap';
import type { SocketSender } from './socket-sender';

export interface SocketDeps {
  readonly account: SessionDeps;
  readonly connections: ConnectionsRepository;
  readonly sockets: SocketSender;
  /** The cap on sockets per user (lib/config.ts). */
  readonly limits: SocketLimits;
}

/**
 * `$connect`: the same authentication as every HTTP route, then the connection record. The user is
 * read once more after the record is written: a deletion that began in between has either already
 * marked the user (so we undo and refuse) or will find the record (so it closes the socket). Last, the
 * cap on sockets per user, counted with this record in place (lib/throttling/socket-cap.ts).
 */
export async function connectSocket(deps: Omit<SocketDeps, 'sockets'>, connectionId: string, accessToken: string): Promise<string> {
  const { user } = await authenticate(deps.account, accessToken);
  try {
    await deps.connections.put({ connectionId, userId: user.id, connectedAt: deps.account.clock().toISOString() });
    const after = await deps.account.users.getUser(user.id);
    if (after?.status !== 'active') {
      await deps.connections.delete(connectionId);
      throw new HaloError('invalid_token', { authorization: 'the account no longer exists' });
    }
    await enforceSocketCap({ connections: deps.connections, clock: deps.account.clock }, deps.limits, user.id, connectionId);
  } catch (error) {
    // An outage refuses the handshake once the record may be written: it must go too, or only its TTL
    // would remove it. (The refusals above remove it themselves.)
    if (!(error instanceof HaloError)) await deps.connections.delete(connectionId).catch(() => undefined);
    throw error;
  }
  return user.id;
}

export const disconnectSocket = (deps: Pick<SocketDeps, 'connections'>, connectionId: string) => deps.connections.delete(connectionId);

/**
 * `{"action":"ping"}` keeps a socket under API Gateway's 10-minute idle timeout. It is also a check:
 * a socket whose user is gone (a deletion that missed it) is closed instead of answered.
 */
export async function pingSocket(
  deps: Pick<SocketDeps, 'connections' | 'sockets'> & { readonly account: Pick<SessionDeps, 'users'> },
  connectionId: string,
): Promise<{ type: 'pong' } | undefined> {
  const connection = await deps.connections.get(connectionId);
  const user = connection && (await deps.account.users.getUser(connection.userId));
  if (user?.status !== 'active') {
    await deps.sockets.close(connectionId);
    await deps.connections.delete(connectionId);
    return undefined;
  }
  return { type: 'pong' };
}
