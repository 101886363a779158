import type { ConnectionsRepository } from '../storage/connections-repository';
import type { SocketSender } from './socket-sender';

export interface FanOutResult {
  readonly sent: number;
  readonly gone: number;
  readonly failed: number;
}

/**
 * Sends one message to every open socket of a user, all at once: a slow or dead socket costs only its
 * own deadline. Connections API Gateway reports gone are removed, never retried; other failures are
 * counted (and the record kept) because the socket may well be alive.
 */
export async function fanOut(
  deps: { connections: ConnectionsRepository; sockets: SocketSender },
  userId: string,
  message: unknown,
): Promise<FanOutResult> {
  const ids = await deps.connections.listForUser(userId);
  const outcomes = await Promise.allSettled(
    ids.map(async (id) => {
      const outcome = await deps.sockets.send(id, message);
      // Known window: a socket whose `$connect` has written its record but not yet returned is reported gone
      // too (API Gateway opens it only after `$connect` answers), so it loses its record here; its first ping
      // then closes it and the client reconnects. Sparing young records would keep dead ones longer; not done yet.
      if (outcome === 'gone') await deps.connections.delete(id);
      return outcome;
    }),
  );
  const count = (value: string) => outcomes.filter((o) => o.status === 'fulfilled' && o.value === value).length;
  return { sent: count('sent'), gone: count('gone'), failed: outcomes.filter((o) => o.status === 'rejected').length };
}
