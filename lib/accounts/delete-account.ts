import type { AvatarObjects } from '../avatars/avatar-objects';
import { HaloError } from '../errors';
import type { SocketSender } from '../sockets/socket-sender';
import type { ConnectionsRepository } from '../storage/connections-repository';
import type { OwnedItemsRepository } from '../storage/owned-items';
import type { UsersRepository } from '../storage/users-repository';

export interface DeletionDeps {
  readonly users: UsersRepository;
  readonly ownedItems: OwnedItemsRepository;
  readonly connections: ConnectionsRepository;
  readonly sockets: SocketSender;
  readonly objects: AvatarObjects;
  readonly clock: () => Date;
}

/** How long a client waits before retrying a deletion that sockets kept from finishing. */
export const DELETION_RETRY_AFTER_SECONDS = 2;

export interface DeletionOptions {
  /**
   * Ends the closing of sockets: past it no `@connections` call starts and those in flight are abandoned, so
   * however slow the sockets, the rest of the deletion and the answer fit in the function's time.
   */
  readonly socketsSignal?: AbortSignal;
}

/**
 * Removes an account completely: record, identifier claims, refresh tokens and sessions, connection
 * records, every avatar object, and every open socket (told `user.deleted`, then closed).
 *
 * 1. The user is marked `deleting` first: from that write on, no token of the user works anywhere and
 *    no socket or upload can attach itself any more (both re-check the user after writing).
 * 2. Sockets, objects and items are removed. This runs twice: the byUser index is eventually
 *    consistent, so a socket or upload that slipped in just before the mark may show up only later, and
 *    a socket whose close failed in the first round is tried again.
 * 3. The user item goes last, and only once every socket is closed. A socket that still could not be
 *    closed (failing, or out of time) keeps its record and the user item, which is all a retry needs; the
 *    rest is gone, and the caller gets `unavailable` (a 503 with Retry-After). Any other failure propagates
 *    as it is. Either way the account stays unusable, and calling this again (the user's retried DELETE)
 *    carries on where it stopped: every step is idempotent.
 */
export async function deleteAccount(deps: DeletionDeps, userId: string, options: DeletionOptions = {}): Promise<void> {
  if (!(await deps.users.markDeleting(userId, deps.clock()))) return; // nothing left: already deleted
  let stillOpen: unknown[] = [];
  for (let round = 0; round < 2; round++) {
    stillOpen = await closeSockets(deps, userId, options.socketsSignal);
    await deps.objects.deleteAllOf(userId);
    await deps.ownedItems.deleteAllButUser(userId);
  }
  if (stillOpen.length > 0) {
    throw new HaloError(
      'unavailable',
      { deletion: `Deletion not finished: ${stillOpen.length} open socket(s) could not be closed yet; everything else is gone. Call DELETE /api/user again to finish it.` },
      { retryAfterSeconds: DELETION_RETRY_AFTER_SECONDS, cause: new AggregateError(stillOpen, `could not close ${stillOpen.length} sockets of ${userId}`) },
    );
  }
  await deps.users.deleteUser(userId);
}

/** Tells and closes every listed socket of the user; returns why each one that is still open could not be closed. */
async function closeSockets(deps: DeletionDeps, userId: string, signal: AbortSignal | undefined): Promise<unknown[]> {
  const ids = await deps.connections.listForUser(userId);
  const results = await Promise.allSettled(
    ids.map(async (id) => {
      // Telling is best effort (the socket may be slow or gone); closing is what must happen.
      await deps.sockets.send(id, { type: 'user.deleted' }, { signal }).catch(() => undefined);
      await deps.sockets.close(id, { signal });
      return id;
    }),
  );
  // Only the records of closed sockets go, together (a BatchWriteItem per 25, not a DeleteItem each): a socket
  // that could not be closed keeps its record, so the next round or the retried deletion finds it again.
  const closed = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (closed.length > 0) await deps.connections.deleteMany(closed);
  return results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
}
