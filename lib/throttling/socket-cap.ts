import { tooManyRequests } from '../errors';
import type { ConnectionsRepository } from '../storage/connections-repository';
import type { SocketLimits } from './limits';

/**
 * API Gateway closes every WebSocket after 2 hours, so a record older than that (plus a minute of clock
 * skew) belongs to a socket that is gone even if its `$disconnect` never arrived.
 */
export const MAX_SOCKET_AGE_MS = (2 * 60 + 1) * 60 * 1000;

/** A slot frees when the user closes a socket; there is no better moment to name than "a little later". */
const RETRY_SOCKET_MS = 30_000;

/**
 * Called once the new connection's record is written: refuses it (and removes the record) when the user
 * would have more than `perUser` sockets. Counting after the write means two sockets racing for the last
 * slot both see each other and both are refused, rather than both accepted. Only when over the cap are
 * the other records read, and those too old to be alive removed and not counted, so sockets that died
 * without a `$disconnect` never block a user for long (fan-out also removes those it finds gone).
 */
export async function enforceSocketCap(
  deps: { readonly connections: ConnectionsRepository; readonly clock: () => Date },
  limits: SocketLimits,
  userId: string,
  connectionId: string,
): Promise<void> {
  // The index is eventually consistent: this connection's own record may not show yet, so it is counted apart.
  const others = (await deps.connections.listForUser(userId)).filter((id) => id !== connectionId);
  if (others.length < limits.perUser) return;

  const now = deps.clock().getTime();
  const alive = await Promise.all(
    others.map(async (id) => {
      const record = await deps.connections.get(id);
      if (!record) return false; // already deleted; the index has not caught up
      if (now - Date.parse(record.connectedAt) <= MAX_SOCKET_AGE_MS) return true;
      await deps.connections.delete(id);
      return false;
    }),
  );
  if (alive.filter(Boolean).length < limits.perUser) return;

  await deps.connections.delete(connectionId);
  throw tooManyRequests('connections', () => `at most ${limits.perUser} sockets may be open at once; close one first`, RETRY_SOCKET_MS);
}
