import type { ConnectionsRepository } from '../storage/connections-repository';
import type { SocketSender } from './socket-sender';

export interface FanOutResult {
  readonly sent: number;
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
  deps: { connections: ConnectionsRepository; sockets: SocketSender; clock?: () => Date },
  userId: string,
  message: unknown,
): Promise<FanOutResult> {
  const now = deps.clock ?? (() => new Date());
  const ids = await deps.connections.listForUser(userId);
  const outcomes = await Promise.allSettled(
    ids.map(async (id) => {
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
