import { setMaxListeners } from 'node:events';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { finishStalledDeletions } from '#lib/accounts/finish-deletions';
import { loadDeletionFinisherConfig } from '#lib/config';
import { logger } from './common/logger';
import { finisherDeps } from './common/runtime/finishing-deletions';

const { stalledAfterMs } = loadDeletionFinisherConfig();

/** What the run leaves itself after socket closing and after its last new deletion: the work of the deletion in hand. */
const RESERVE_MS = 30_000;

/**
 * EventBridge schedule (infra/catalog.ts `schedule`; locally the embedded stack's timer): finishes every account
 * deletion that stopped midway (lib/accounts/finish-deletions.ts). EventBridge may deliver a scheduled event more
 * than once, or two runs may overlap: every step is idempotent, so a second run only repeats work. A deletion that
 * failed is logged and thrown (the function's Errors metric and alarm see it); its record stays for the next run.
 */
export const handler = async (_event: ScheduledEvent, context: Context) => {
  const remaining = context.getRemainingTimeInMillis();
  const socketsSignal = AbortSignal.timeout(Math.max(remaining - RESERVE_MS, remaining / 2));
  setMaxListeners(0, socketsSignal);
  const timeIsUp = () => context.getRemainingTimeInMillis() < RESERVE_MS;
  const report = await finishStalledDeletions(finisherDeps, { stalledAfterMs, socketsSignal, timeIsUp });
  const summary = { finished: report.finished.length, abandoned: report.abandoned.length, stillOpen: report.stillOpen.length, failed: report.failed.length };
  if (report.failed.length > 0) {
    for (const { userId, error } of report.failed) logger().error('stalled deletion not finished', { userId, error: error as Error });
    throw new AggregateError(report.failed.map((failure) => failure.error), `${report.failed.length} stalled deletions failed`);
  }
  if (summary.finished + summary.abandoned + summary.stillOpen > 0) logger().info('stalled deletions', summary);
  return summary;
};
