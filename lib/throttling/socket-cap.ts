import { tooManyRequests } from '../errors';
import type { ConnectionRecord, ConnectionsRepository } from '../storage/connections-repository';
import type { SocketLimits } from './limits';

/**
 * API Gateway closes every WebSocket after 2 hours, so a record older than that (plus a minute of clock
 * skew) belongs to a socket that is gone even if its `$disconnect` never arrived.
 */
export const MAX_SOCKET_AGE_MS = (2 * 60 + 1) * 60 * 1000;

/** A slot frees when the user closes a socket; there is no better moment to name than "a little later". */
const RETRY_SOCKET_MS = 30_000;

/**
 * Called once the new connection's record is written, before the user is checked once more: takes a slot for it
 * on the user item (lib/storage/connections-repository.ts), or refuses it (and removes the record) when the user
 * already holds `perUser`. Slots are written and read with strong consistency, never through the byUser index,
 * which lags: counting sockets in the index let a burst of handshakes all see too few and all get in. When full,
 * the slots of sockets that are gone (their record deleted, or older than any socket lives, because its
 * `$disconnect` never came) are freed and the slot is tried once more, so dead sockets never block a user for long.
 */
export async function enforceSocketCap(
  deps: { readonly connections: ConnectionsRepository; readonly clock: () => Date },
  limits: SocketLimits,
  connection: ConnectionRecord,
): Promise<void> {
  const { userId, connectionId, connectedAt } = connection;
  if (await deps.connections.claimSlot(userId, connectionId, connectedAt, limits.perUser)) return;

  const now = deps.clock().getTime();
  const held = Object.entries(await deps.connections.slots(userId)).filter(([id]) => id !== connectionId);
  await Promise.all(
    held.map(async ([id, slotConnectedAt]) => {
      const record = await deps.connections.get(id);
      if (record && now - Date.parse(record.connectedAt) <= MAX_SOCKET_AGE_MS) return;
      if (record) await deps.connections.delete(id); // frees the slot too
      else await deps.connections.releaseSlot(userId, id, slotConnectedAt);
    }),
  );
  if (await deps.connections.claimSlot(userId, connectionId, connectedAt, limits.perUser)) return;

  await deps.connections.delete(connectionId);
  throw tooManyRequests('connections', () => `at most ${limits.perUser} sockets may be open at once; close one first`, RETRY_SOCKET_MS);
}
