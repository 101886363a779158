import type { AvatarObjects } from '../avatars/avatar-objects';
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

/**
 * Removes an account completely: record, identifier claims, refresh tokens and sessions, connection
 * records, every avatar object, and every open socket (told `user.deleted`, then closed).
 *
 * 1. The user is marked `deleting` first: from that write on, no token of the user works anywhere and
 *    no socket or upload can attach itself any more (both re-check the user after writing).
 * 2. Sockets, objects and items are removed. This runs twice: the byUser index is eventually
 *    consistent, so a socket or upload that slipped in just before the mark may show up only later.
 * 3. The user item goes last. If anything fails, the error propagates, the account stays unusable, and
 *    calling this again (the user's retried DELETE) carries on where it stopped: every step is idempotent.
 */
export async function deleteAccount(deps: DeletionDeps, userId: string): Promise<void> {
  if (!(await deps.users.markDeleting(userId, deps.clock()))) return; // nothing left: already deleted
  for (let round = 0; round < 2; round++) {
    await closeSockets(deps, userId);
    await deps.objects.deleteAllOf(userId);
    await deps.ownedItems.deleteAllButUser(userId);
  }
  await deps.users.deleteUser(userId);
}

async function closeSockets(deps: DeletionDeps, userId: string): Promise<void> {
  const ids = await deps.connections.listForUser(userId);
  const results = await Promise.allSettled(
    ids.map(async (id) => {
      // Telling is best effort (the socket may be slow or gone); closing is what must happen.
      await deps.sockets.send(id, { type: 'user.deleted' }).catch(() => undefined);
      await deps.sockets.close(id);
      return id;
    }),
  );
  // Only the records of closed sockets go, together (a BatchWriteItem per 25, not a DeleteItem each): a socket
  // that could not be closed keeps its record, so the retried deletion finds it again.
  const closed = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (closed.length > 0) await deps.connections.deleteMany(closed);
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failures.length > 0) throw new AggregateError(failures.map((f) => f.reason), `could not close ${failures.length} sockets of ${userId}`);
}
