import type { FunctionSpec } from './catalog';
import type { ThrottleOptionReader } from './stage-throttle';

/**
 * Reserved concurrency (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): a function
 * with a reservation always has that many executions for itself and never more, so one kind of work can neither
 * starve the rest nor be starved by it. The values are in the catalog (`reservedConcurrency`); this deploy option
 * decides whether the stack sets them. Free of CDK imports.
 *
 * OFF by default, on purpose:
 * - reservations are taken from the account's unreserved pool (1,000 executions per Region by default, shared by
 *   every function of the account), and Lambda keeps at least 100 of it unreserved
 *   (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html); Halo's reservations add up to 280, so
 *   a deployment could starve the account's other workloads, which only its operator can judge;
 * - a new account may have a concurrency quota far below 1,000 (the Service Quotas console shows it; the call
 *   `aws lambda get-account-settings` returns it as AccountLimit.ConcurrentExecutions): there, reserving 280
 *   fails the deploy.
 * Without reservations Halo is still protected by the stage throttle and the per-route throttles
 * (infra/route-throttles.ts), which bound how many requests of each expensive kind can start; docs/deploy-aws.md
 * says when to turn this on (`-c reservedConcurrency=on` or HALO_RESERVED_CONCURRENCY=on).
 */
export const RESERVED_CONCURRENCY_OPTION = ['reservedConcurrency', 'HALO_RESERVED_CONCURRENCY'] as const;

export function reservedConcurrencyOnFrom(read: ThrottleOptionReader): boolean {
  const [contextKey, envName] = RESERVED_CONCURRENCY_OPTION;
  const raw = read(contextKey, envName) ?? 'off';
  if (raw !== 'on' && raw !== 'off') throw new Error(`${contextKey} (${envName}) must be on or off, got "${raw}"`);
  return raw === 'on';
}

/** What the stack reserves for `spec`: its catalog value when the option is on, else nothing. */
export const reservedConcurrencyOf = (spec: FunctionSpec, on: boolean): number | undefined => (on ? spec.reservedConcurrency : undefined);
