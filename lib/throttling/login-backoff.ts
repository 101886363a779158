import type { FailureCount } from '../storage/abuse-counters-repository';
import type { LoginLimits } from './limits';

/** The failure counts one login attempt is judged by. `undefined`: no live count (never failed, or forgotten). */
export interface LoginCounts {
  /** This identifier, from this source. */
  readonly pair: FailureCount | undefined;
  /** This identifier, from every source. */
  readonly identifier: FailureCount | undefined;
  /** This source, over every identifier. */
  readonly source: FailureCount | undefined;
}

/**
 * How long after the last failure the next attempt must wait: nothing for the first `free` failures, then
 * the base wait, doubled by each further failure, never more than the maximum.
 */
export function backoffMs(failures: number, free: number, limits: LoginLimits): number {
  if (failures < free) return 0;
  // The exponent is bounded so that 2 ** n stays finite whatever a count grows to.
  const seconds = limits.backoffBaseSeconds * 2 ** Math.min(failures - free, 32);
  return Math.min(seconds, limits.backoffMaxSeconds) * 1000;
}

const waitFor = (count: FailureCount | undefined, free: number, limits: LoginLimits, now: number) =>
  count ? Math.max(0, count.lastFailureAt + backoffMs(count.failures, free, limits) - now) : 0;

/**
 * Milliseconds this attempt must wait (0: it may go ahead), judged before any password is verified.
 *
 * - Per identifier AND source: a few free failures, then exponential back-off. An attacker's failures slow
 *   only the attacker's own source, never the real user's.
 * - Per identifier, all sources: past a threshold the identifier is under (distributed) attack, and then a
 *   source that has failed on it even once gets no free failures. A source that has not failed on it is
 *   never held back by this count, so the real user, typing the right password, still gets in.
 * - Per source, all identifiers: a generous allowance against one address spraying many identifiers.
 */
export function loginWaitMs(counts: LoginCounts, limits: LoginLimits, now: number): number {
  const underAttack = (counts.identifier?.failures ?? 0) >= limits.identifierUnderAttackAfter;
  const pairFree = underAttack ? 1 : limits.freeFailuresPerIdentifierAndSource;
  return Math.max(waitFor(counts.pair, pairFree, limits, now), waitFor(counts.source, limits.freeFailuresPerSource, limits, now));
}
