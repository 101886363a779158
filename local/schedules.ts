import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SCHEDULED_FUNCTIONS, type FunctionSpec } from '#infra/catalog';
import { redact } from '#lib/logging/redact';
import type { Invoker } from './function-invoker';

/** Where a test (or a developer) runs a scheduled function at once: `POST /_local/schedules/<function name>`. */
export const SCHEDULE_CONTROL_PREFIX = '/_local/schedules/';

/**
 * `LOCAL_SCHEDULES`: unset, each scheduled function runs at its catalog period (as its EventBridge rule does);
 * `off`, only on demand; a whole number of seconds, every function that often (for trying a schedule out).
 */
export type ScheduleSetting = 'catalog' | 'off' | { readonly everySeconds: number };

export function scheduleSettingFrom(raw: string | undefined): ScheduleSetting {
  const text = raw?.trim();
  if (!text) return 'catalog';
  if (text === 'off') return 'off';
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new Error(`LOCAL_SCHEDULES must be "off" or a whole number of seconds, got "${text}"`);
  return { everySeconds: seconds };
}

/**
 * The event an EventBridge rule sends its Lambda target (the example in
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html): `Scheduled Event` from
 * `aws.events`, the rule's ARN in `resources`, an empty `detail`.
 */
export function scheduledEvent(fn: Pick<FunctionSpec, 'name'>, now: Date) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:000000000000:rule/${fn.name}`],
    detail: {},
  };
}

export interface LocalSchedules {
  /** Runs the named scheduled function once, now, and resolves with its result (rejects with its failure). */
  run(name: string): Promise<unknown>;
  /** Answers a control request (`POST /_local/schedules/<name>`); false when the path is not one. */
  handle(req: IncomingMessage, res: ServerResponse, path: string | undefined): boolean;
  close(): void;
}

/**
 * The catalog's schedules (infra/catalog.ts `schedule`) in the embedded stack, where EventBridge is not: a timer
 * per scheduled function invokes it with a scheduled event, as its rule does on AWS. Differences, on purpose:
 * the timer fires on the period exactly, once (EventBridge: at least once, within the minute); a failed run is logged
 * and left to the next one (Lambda would retry the asynchronous invocation twice first); and the control path runs a
 * function on demand, which AWS has no equivalent of (there, `aws lambda invoke` does it).
 */
export function startSchedules(invoke: Invoker, setting: ScheduleSetting): LocalSchedules {
  const byName = new Map(SCHEDULED_FUNCTIONS.map(({ fn, schedule }) => [fn.name, { fn, schedule }]));
  const run = async (name: string) => {
    const scheduled = byName.get(name);
    if (!scheduled) throw new Error(`no scheduled function named "${name}" in infra/catalog.ts`);
    return invoke(scheduled.fn, scheduledEvent(scheduled.fn, new Date()));
  };
  const timers =
    setting === 'off'
      ? []
      : [...byName.values()].map(({ fn, schedule }) => {
          const periodMs = (setting === 'catalog' ? schedule.everyMinutes * 60 : setting.everySeconds) * 1000;
          const timer = setInterval(() => {
            run(fn.name).catch((error: unknown) => console.error(`[schedules] ${fn.name} failed:`, redact(error)));
          }, periodMs);
          timer.unref(); // a schedule never keeps the process alive by itself
          return timer;
        });

  return {
    run,
    handle(req, res, path) {
      if (!path?.startsWith(SCHEDULE_CONTROL_PREFIX)) return false;
      const name = decodeURIComponent(path.slice(SCHEDULE_CONTROL_PREFIX.length));
      const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      req.resume();
      if (req.method !== 'POST') answer(405, { message: 'POST to run a scheduled function' });
      else if (!byName.has(name)) answer(404, { message: `no scheduled function named "${name}"`, scheduled: [...byName.keys()] });
      else {
        run(name).then(
          (result) => answer(200, { result: result ?? null }),
          (error: unknown) => answer(500, { message: (error as Error).message }),
        );
      }
      return true;
    },
    close() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
