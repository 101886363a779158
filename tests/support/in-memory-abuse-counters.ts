import type { AbuseCounters, CounterKey, FailureCount, WindowCount } from '#lib/storage/abuse-counters-repository';

/** AbuseCounters in a Map, with the DynamoDB repository's rules: expiry checked on read, compare-and-add. */
export interface InMemoryAbuseCounters extends AbuseCounters {
  readonly counts: Map<string, FailureCount>;
  readonly windows: Map<string, WindowCount>;
}

const id = (counter: CounterKey) => `${counter.scope}|${counter.subject}`;

export function createInMemoryAbuseCounters(): InMemoryAbuseCounters {
  const counts = new Map<string, FailureCount>();
  const windows = new Map<string, WindowCount>();
  const live = (counter: CounterKey, now: Date) => {
    const count = counts.get(id(counter));
    return count && count.expiresAt > now.getTime() ? count : undefined;
  };
  const failure = (failures: number, now: Date, memorySeconds: number): FailureCount => ({
    failures,
    lastFailureAt: now.getTime(),
    expiresAt: now.getTime() + memorySeconds * 1000,
  });

  return {
    counts,
    windows,
    async read(counters, now) {
      return counters.map((counter) => live(counter, now));
    },
    async addIfUnchanged(counter, seen, now, memorySeconds) {
      const current = live(counter, now);
      const unchanged = seen ? current?.failures === seen.failures && current.lastFailureAt === seen.lastFailureAt : current === undefined;
      if (!unchanged) return false;
      counts.set(id(counter), failure((current?.failures ?? 0) + 1, now, memorySeconds));
      return true;
    },
    async addFailure(counter, now, memorySeconds) {
      const next = failure((live(counter, now)?.failures ?? 0) + 1, now, memorySeconds);
      counts.set(id(counter), next);
      return next;
    },
    async clear(counter) {
      counts.delete(id(counter));
    },
    async addToWindow(counter, now, windowSeconds) {
      const current = windows.get(id(counter));
      const next =
        current && current.endsAt > now.getTime()
          ? { attempts: current.attempts + 1, endsAt: current.endsAt }
          : { attempts: 1, endsAt: now.getTime() + windowSeconds * 1000 };
      windows.set(id(counter), next);
      return next;
    },
  };
}
