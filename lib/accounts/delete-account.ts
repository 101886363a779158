import type { AvatarObjects } from '../avatars/avatar-objects';
import { HaloError } from '../errors';
import type { IdentifierType } from '../identifiers/parse-identifier';
import type { SocketSender } from '../sockets/socket-sender';
import type { ConnectionsRepository } from '../storage/connections-repository';
import type { OwnedItemsRepository } from '../storage/owned-items';
import type { PendingDeletionsRepository } from '../storage/pending-deletions-repository';
import { identifiersOf, type UsersRepository } from '../storage/users-repository';

export interface DeletionDeps {
  readonly users: UsersRepository;
  readonly ownedItems: Pick<OwnedItemsRepository, 'deleteAllButUser'>;
  readonly connections: ConnectionsRepository;
  readonly sockets: SocketSender;
  readonly objects: AvatarObjects;
  /** The deletions still owed, which the scheduled finisher finishes (lib/accounts/finish-deletions.ts). */
  readonly pendingDeletions: PendingDeletionsRepository;
  readonly clock: () => Date;
  /** How long after the mark the second round starts at the earliest (`INDEX_SETTLE_MS` unless set; tests of a consistent index pass 0). */
  readonly indexSettleMs?: number;
}

/**
 * How long the byUser index is given to catch up with what was written before the mark. DynamoDB propagates a
 * write to a GSI "within a fraction of a second, under normal conditions", longer in rare failure scenarios
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Writes): a second covers the
 * normal case. Sockets do not depend on it (their slots are read consistently); a session or token the index
 * shows even later outlives the account unusable (no token of a missing user works) until its TTL.
 */
export const INDEX_SETTLE_MS = 1000;

/** How long a client waits before retrying a deletion that sockets kept from finishing. */
export const DELETION_RETRY_AFTER_SECONDS = 2;

export interface DeletionOptions {
  /**
   * Ends the closing of sockets: past it no `@connections` call starts and those in flight are abandoned, so
   * however slow the sockets, the rest of the deletion and the answer fit in the function's time.
   */
  readonly socketsSignal?: AbortSignal;
  /**
   * A socket whose close fails counts as closed: for a deletion started longer ago than any WebSocket connection
   * can last (the finisher decides: lib/accounts/finish-deletions.ts), so the failure cannot be an open socket.
   */
  readonly unclosableSocketsAreGone?: boolean;
}

/**
 * Removes an account completely: record, identifier claims, refresh tokens and sessions, connection
 * records, every avatar object, and every open socket (told `user.deleted`, then closed).
 *
 * 0. A pending-deletion record is written first (lib/storage/pending-deletions-repository.ts): whatever stops the
 *    deletion after it, the scheduled finisher (lib/accounts/finish-deletions.ts) finds it and finishes the job with
 *    this same function. It is removed only after the user item, so it outlives every other trace of the account.
 * 1. The user is marked `deleting` first: from that write on, no token of the user works anywhere and
 *    no socket or upload can attach itself any more (both re-check the user after writing).
 * 2. The claims of the identifiers the user item lists are released (read consistently, so index lag cannot
 *    hide one). Sockets, objects and items are removed. This runs twice: the byUser index is eventually
 *    consistent, so an item written just before the mark may show up only later (the second round waits
 *    until the mark is `INDEX_SETTLE_MS` old), and a socket whose close failed in the first round is tried
 *    again. Sockets are listed from their slots on the user item too, which are read consistently.
 * 3. The user item goes last, and only once every socket is closed. A socket that still could not be
 *    closed (failing, or out of time) keeps its record and the user item, which is all a retry needs; the
 *    rest is gone, and the caller gets `unavailable` (a 503 with Retry-After). The item kept holds no secret and
 *    no identifier (the mark removed the password hash, the stop the identifiers) and carries a TTL, so a
 *    deletion nobody retries still ends (users-repository.ts, DELETING_USER_TTL_SECONDS), though the finisher
 *    (finish-deletions.ts) ends it well before. Any other failure propagates as it is. Either way the account stays unusable, and calling this again (the user's retried DELETE)
 *    carries on where it stopped: every step is idempotent.
 */
export async function deleteAccount(deps: DeletionDeps, userId: string, options: DeletionOptions = {}): Promise<void> {
  // Recorded before the mark, so a deletion stopped at any point after it is one the finisher will find.
  const pending = await recordPending(deps, userId);
  if (!pending) return; // nothing left: already deleted
  if (!(await deps.users.markDeleting(userId, new Date(pending.markedAt)))) {
    await deps.pendingDeletions.remove(pending); // gone meanwhile: a concurrent deletion finished it
    return;
  }
  const markedAt = Date.now();
  await releaseListedClaims(deps, userId);
  let stillOpen: unknown[] = [];
  for (let round = 0; round < 2; round++) {
    if (round === 1) await settle(markedAt + (deps.indexSettleMs ?? INDEX_SETTLE_MS) - Date.now());
    stillOpen = await closeSockets(deps, userId, options);
    await deps.objects.deleteAllOf(userId);
    await deps.ownedItems.deleteAllButUser(userId);
  }
  if (stillOpen.length > 0) {
    // The claims are gone: what stays for the retry (until its TTL, see markDeleting) need not say whose it was.
    await deps.users.forgetIdentifiers(userId);
    throw new HaloError(
      'unavailable',
      { deletion: `Deletion not finished: ${stillOpen.length} open socket(s) could not be closed yet; everything else is gone. Call DELETE /api/user again to finish it.` },
      { retryAfterSeconds: DELETION_RETRY_AFTER_SECONDS, cause: new AggregateError(stillOpen, `could not close ${stillOpen.length} sockets of ${userId}`) },
    );
  }
  await deps.users.deleteUser(userId);
  // Only now: a failure before this line leaves the record for the finisher. Removing it is bookkeeping: the account
  // is gone, so a failure here must not fail the deletion (the finisher finds the user gone and removes the record).
  await deps.pendingDeletions.remove(pending).catch(() => undefined);
}

/**
 * The pending-deletion record, keyed by when the deletion started: the user item's `deletingSince` for a deletion
 * already marked (a retry, the finisher), so each deletion has one record whatever runs it; `undefined` when the
 * user is gone. Two first deletions at once may write two records (each its own time); the later is stale, and
 * the finisher removes it once it finds the user gone.
 */
async function recordPending(deps: DeletionDeps, userId: string) {
  const user = await deps.users.getUser(userId);
  if (!user) return undefined;
  const pending = { userId, markedAt: user.deletingSince ?? deps.clock().toISOString() };
  await deps.pendingDeletions.record(pending);
  return pending;
}

/**
 * The claims of every identifier the user item lists, read consistently: one claimed just before the mark may not
 * be in the byUser index yet, and must not outlive the account. Each only if it still points at the user.
 */
async function releaseListedClaims(deps: DeletionDeps, userId: string): Promise<void> {
  const user = await deps.users.getUser(userId);
  if (!user) return;
  await Promise.all(
    Object.entries(identifiersOf(user)).flatMap(([type, entry]) =>
      entry ? [deps.users.releaseClaim({ type: type as IdentifierType, key: entry.key, display: entry.display }, userId)] : [],
    ),
  );
}

/** Tells and closes every listed socket of the user; returns why each one that is still open could not be closed. */
export async function closeSockets(
  deps: Pick<DeletionDeps, 'connections' | 'sockets'>,
  userId: string,
  { socketsSignal: signal, unclosableSocketsAreGone = false }: DeletionOptions = {},
): Promise<unknown[]> {
  const ids = await deps.connections.listForUser(userId);
  const results = await Promise.allSettled(
    ids.map(async (id) => {
      // Telling is best effort (the socket may be slow or gone); closing is what must happen.
      await deps.sockets.send(id, { type: 'user.deleted' }, { signal }).catch(() => undefined);
      try {
        await deps.sockets.close(id, { signal });
      } catch (error) {
        if (!unclosableSocketsAreGone) throw error;
      }
      return id;
    }),
  );
  // Only the records of closed sockets go, together (a BatchWriteItem per 25, not a DeleteItem each): a socket
  // that could not be closed keeps its record, so the next round or the retried deletion finds it again.
  const closed = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (closed.length > 0) await deps.connections.deleteMany(userId, closed);
  return results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
}

const settle = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());
