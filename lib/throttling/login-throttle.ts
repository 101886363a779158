import { tooManyRequests } from '../errors';
import { parseIdentifier } from '../identifiers/parse-identifier';
import type { AbuseCounters, CounterKey } from '../storage/abuse-counters-repository';
import type { LoginLimits } from './limits';
import { loginWaitMs } from './login-backoff';
import { sourceOf } from './source-address';

export interface LoginThrottle {
  readonly counters: AbuseCounters;
  readonly limits: LoginLimits;
  readonly clock: () => Date;
}

/**
 * The same counter for every form of one identifier (`ADA@example.com` is `ada@example.com`). One that does
 * not parse belongs to no account, but its attempts still cost a KDF run, so they are counted all the same.
 */
async function identifierKey(identifier: string): Promise<string> {
  try {
    const { type, key } = await parseIdentifier(identifier);
    return `${type}#${key}`;
  } catch {
    return `unparsed#${identifier.normalize('NFKC').trim().toLowerCase()}`;
  }
}

export async function loginCounters(identifier: string, sourceAddress: string | undefined) {
  const who = await identifierKey(identifier);
  const source = sourceOf(sourceAddress);
  return {
    pair: { scope: 'login-pair', subject: `${who}\n${source}` },
    identifier: { scope: 'login-identifier', subject: who },
    source: { scope: 'login-source', subject: source },
  } satisfies Record<string, CounterKey>;
}

export type LoginCounters = Awaited<ReturnType<typeof loginCounters>>;

const tooManyFailures = (waitMs: number) =>
  tooManyRequests('credentials', (seconds) => `too many failed attempts; retry in ${seconds} seconds`, waitMs);

/**
 * Admits the attempt, or refuses it before any password is verified (the KDF is what an attacker would
 * make us pay for). The attempt is counted as a failure of its identifier and source up front, by a
 * compare-and-add: of a burst of simultaneous guesses only as many run as the back-off allows, each
 * judged by a count no other has seen. A success clears the count again.
 */
export async function admitLogin(throttle: LoginThrottle, counters: LoginCounters): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = throttle.clock();
    const [pair, identifier, source] = await throttle.counters.read([counters.pair, counters.identifier, counters.source], now);
    const waitMs = loginWaitMs({ pair, identifier, source }, throttle.limits, now.getTime());
    if (waitMs > 0) throw tooManyFailures(waitMs);
    if (await throttle.counters.addIfUnchanged(counters.pair, pair, now, throttle.limits.failureMemorySeconds)) return;
  }
  // Lost the race three times in a row: this identifier is being tried from this source in a burst.
  throw tooManyFailures(1000);
}

/**
 * A wrong password: the pair's failure was counted on admission, the identifier-wide and source-wide
 * counts learn of it now.
 */
export async function recordLoginFailure(throttle: LoginThrottle, counters: LoginCounters): Promise<void> {
  const now = throttle.clock();
  const memory = throttle.limits.failureMemorySeconds;
  await Promise.all([throttle.counters.addFailure(counters.identifier, now, memory), throttle.counters.addFailure(counters.source, now, memory)]);
}

/**
 * The right password from this source: its failures on this identifier are forgiven. The identifier-wide
 * and source-wide counts stay: one success must not let an attack that is still going on start over.
 */
export const forgiveLogin = (throttle: LoginThrottle, counters: LoginCounters) => throttle.counters.clear(counters.pair);
