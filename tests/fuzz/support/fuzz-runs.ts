import type fc from 'fast-check';

/**
 * How many cases each property tries. Bounded so that the whole folder stays within about a minute and a
 * half on a 2-core machine; `HALO_FUZZ_RUNS=10` multiplies every count by ten for a longer hunt.
 *
 * To replay a failure, copy the seed (and path) that fast-check printed:
 *   HALO_FUZZ_SEED=-1234567 HALO_FUZZ_PATH="12:3:0" npx jest tests/fuzz/<file> -t '<the test's name>'
 * (a path belongs to one property, hence -t).
 * Without HALO_FUZZ_SEED every run draws a fresh seed, so the suite keeps exploring.
 */
const scale = Number(process.env.HALO_FUZZ_RUNS ?? '1');
const seed = process.env.HALO_FUZZ_SEED === undefined ? undefined : Number(process.env.HALO_FUZZ_SEED);
const path = process.env.HALO_FUZZ_PATH;

export function runs(numRuns: number): fc.Parameters<unknown> {
  return {
    numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(scale) && scale > 0 ? scale : 1))),
    ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}),
    ...(path ? { path } : {}),
    // Every case is a request to a live stack: a property (its shrinking included) stops after a minute, so
    // that fast-check, not Jest's timeout, reports what it found.
    interruptAfterTimeLimit: 60_000,
  };
}

/** A property's cases take real requests; give a test room for its runs (and for shrinking a failure). */
export const FUZZ_TEST_TIMEOUT_MS = 120_000;
