import { closeSockets, deleteAccount, type DeletionDeps } from './delete-account';
import { HaloError } from '../errors';
import type { PendingDeletion } from '../storage/pending-deletions-repository';

/**
 * API Gateway ends every WebSocket connection after 2 hours ("Connection duration for WebSocket API",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html).
 * Every socket of a user connected before the deletion's mark (a handshake after it sees the mark and withdraws), so
 * once a deletion is older than this, none of its sockets can still be open: a close that fails then is a failing
 * `@connections` endpoint, not an open socket, and the socket counts as gone.
 */
export const MAX_SOCKET_LIFETIME_MS = 2 * 60 * 60_000;

/**
 * A deletion younger than this is left alone: its DELETE may still be running. It must exceed delete-user's
 * timeout (30 s, infra/catalog.ts; a test holds the two together) with room to spare for a retry the client is
 * about to send (Retry-After: 2 s).
 */
export const STALLED_AFTER_MS = 5 * 60_000;

/**
 * How many deletions one run takes on; the rest wait for the next run (oldest first, so none is starved). Each takes
 * a second or more (its second round waits for the index: INDEX_SETTLE_MS), well inside the function's 5 minutes.
 */
export const DELETIONS_PER_RUN = 50;

export interface FinishDeletionsOptions {
  /** Default STALLED_AFTER_MS. */
  readonly stalledAfterMs?: number;
  /** Default DELETIONS_PER_RUN. */
  readonly limit?: number;
  /** Passed to every deletion (see DeletionOptions.socketsSignal): ends socket closing before the function's time. */
  readonly socketsSignal?: AbortSignal;
  /** Checked before each deletion: once it says so, the rest wait for the next run (the function's time is running out). */
  readonly timeIsUp?: () => boolean;
}

export interface FinishDeletionsReport {
  /** Deletions now complete: the user and everything of it gone, the record removed. */
  readonly finished: string[];
  /** Records of deletions that never started (the mark was never written): removed, the account left as it is. */
  readonly abandoned: string[];
  /** Stopped again by sockets that could not be closed: the next run tries again. */
  readonly stillOpen: string[];
  /** Stopped by any other failure (an outage): the next run tries again. */
  readonly failed: { readonly userId: string; readonly error: unknown }[];
}

/**
 * The scheduled finisher (functions/finish-deletions.ts): every deletion that started more than `stalledAfterMs`
 * ago and has not finished (its pending-deletion record is still there) is finished with the same `deleteAccount`
 * the user's DELETE runs, idempotent step by step, so a run racing the user's own retry does no harm.
 *
 * - A user still `deleting`: `deleteAccount` carries on where the deletion stopped. Past MAX_SOCKET_LIFETIME_MS a
 *   socket whose close fails counts as gone, so every deletion ends within about two hours and a run.
 * - No user item: the deletion finished but its record was not removed, or the user item's TTL
 *   (DELETING_USER_TTL_SECONDS, a last resort) removed it before the finisher could run. Either way whatever the user
 *   still owns (objects, items, socket records) is removed by user id, which needs no user item; then the record.
 *   That is why the TTL can never strand anything: nothing the finisher does depends on the user item.
 * - A user not `deleting`: the record was written but the DELETE stopped before the mark (the account was never
 *   touched; the client got an error); the record alone goes.
 *
 * Each deletion's failure is its own: the others still run, and its record stays for the next run.
 */
export async function finishStalledDeletions(deps: DeletionDeps, options: FinishDeletionsOptions = {}): Promise<FinishDeletionsReport> {
  const now = deps.clock();
  const stalled = await deps.pendingDeletions.listStartedBefore(new Date(now.getTime() - (options.stalledAfterMs ?? STALLED_AFTER_MS)), options.limit ?? DELETIONS_PER_RUN);
  const report: FinishDeletionsReport = { finished: [], abandoned: [], stillOpen: [], failed: [] };
  for (const pending of stalled) {
    if (options.timeIsUp?.()) break;
    try {
      const outcome = await finishOne(deps, pending, now, options.socketsSignal);
      report[outcome].push(pending.userId);
    } catch (error) {
      if (error instanceof HaloError && error.code === 'unavailable') report.stillOpen.push(pending.userId);
      else report.failed.push({ userId: pending.userId, error });
    }
  }
  return report;
}

async function finishOne(deps: DeletionDeps, pending: PendingDeletion, now: Date, socketsSignal: AbortSignal | undefined): Promise<'finished' | 'abandoned'> {
  const unclosableSocketsAreGone = now.getTime() - Date.parse(pending.markedAt) > MAX_SOCKET_LIFETIME_MS;
  const user = await deps.users.getUser(pending.userId);
  if (user && user.status !== 'deleting') {
    await deps.pendingDeletions.remove(pending);
    return 'abandoned';
  }
  if (user) {
    await deleteAccount(deps, pending.userId, { socketsSignal, unclosableSocketsAreGone });
  } else {
    // Listed by the byUser index and the bucket prefix alone: no user item needed.
    const stillOpen = await closeSockets(deps, pending.userId, { socketsSignal, unclosableSocketsAreGone });
    await deps.objects.deleteAllOf(pending.userId);
    await deps.ownedItems.deleteAllButUser(pending.userId);
    if (stillOpen.length > 0) throw new HaloError('unavailable', { deletion: `${stillOpen.length} socket(s) of a deleted user could not be closed yet` });
  }
  // deleteAccount removed the record it keys by the user's deletingSince; this one may be another (a stale twin).
  await deps.pendingDeletions.remove(pending);
  return 'finished';
}
