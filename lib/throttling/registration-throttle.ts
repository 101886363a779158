import { tooManyRequests } from '../errors';
import type { AbuseCounters } from '../storage/abuse-counters-repository';
import type { RegistrationLimits } from './limits';
import { sourceOf } from './source-address';

export interface RegistrationThrottle {
  readonly counters: AbuseCounters;
  readonly limits: RegistrationLimits;
  readonly clock: () => Date;
}

/**
 * Counts the attempt in its source's window and refuses it past the limit, before the password is hashed.
 * A source's window opens at its first attempt (not on the clock's hour), so no instant resets every source
 * at once. Every attempt counts, accepted or not: a refused sign-up (409) tells whether an identifier is
 * registered, so the limit also bounds how fast one source can enumerate accounts.
 */
export async function admitRegistration(throttle: RegistrationThrottle, sourceAddress: string | undefined): Promise<void> {
  const now = throttle.clock();
  const counter = { scope: 'register-source', subject: sourceOf(sourceAddress) };
  const window = await throttle.counters.addToWindow(counter, now, throttle.limits.windowSeconds);
  if (window.attempts > throttle.limits.perSource) {
    throw tooManyRequests('requests', (seconds) => `too many sign-ups from this network; retry in ${seconds} seconds`, window.endsAt - now.getTime());
  }
}
