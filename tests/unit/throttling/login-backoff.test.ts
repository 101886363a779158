import { DEFAULT_LIMITS, type LoginLimits } from '#lib/throttling/limits';
import { backoffMs, loginWaitMs } from '#lib/throttling/login-backoff';

const LIMITS: LoginLimits = DEFAULT_LIMITS.login;
const NOW = Date.parse('2025-03-01T12:00:00Z');
const count = (failures: number, secondsAgo = 0) => ({ failures, lastFailureAt: NOW - secondsAgo * 1000, expiresAt: NOW + 3_600_000 });

describe('backoffMs', () => {
  it('lets the free failures through, then doubles the wait with each failure', () => {
    const waits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((failures) => backoffMs(failures, 5, LIMITS) / 1000);
    expect(waits).toEqual([0, 0, 0, 0, 0, 30, 60, 120, 240, 480]);
  });

  it('never waits more than the maximum, however many failures', () => {
    expect(backoffMs(10, 5, LIMITS)).toBe(900_000);
    expect(backoffMs(1_000_000, 5, LIMITS)).toBe(900_000);
  });
});

describe('loginWaitMs', () => {
  const none = { pair: undefined, identifier: undefined, source: undefined };

  it('lets an attempt with no failures behind it through', () => {
    expect(loginWaitMs(none, LIMITS, NOW)).toBe(0);
  });

  it('counts the wait from the last failure', () => {
    expect(loginWaitMs({ ...none, pair: count(5, 10) }, LIMITS, NOW)).toBe(20_000);
    expect(loginWaitMs({ ...none, pair: count(5, 30) }, LIMITS, NOW)).toBe(0);
  });

  it('once an identifier is under attack, gives a source that failed on it no free failures', () => {
    const underAttack = count(LIMITS.identifierUnderAttackAfter);
    expect(loginWaitMs({ ...none, pair: count(1), identifier: count(1) }, LIMITS, NOW)).toBe(0);
    expect(loginWaitMs({ ...none, pair: count(1), identifier: underAttack }, LIMITS, NOW)).toBe(30_000);
    expect(loginWaitMs({ ...none, pair: count(2), identifier: underAttack }, LIMITS, NOW)).toBe(60_000);
  });

  it('never holds back a source that has not failed on the identifier, however hard it is attacked', () => {
    expect(loginWaitMs({ ...none, identifier: count(1_000_000) }, LIMITS, NOW)).toBe(0);
  });

  it('holds back a source spraying many identifiers, whichever identifier it tries next', () => {
    expect(loginWaitMs({ ...none, source: count(LIMITS.freeFailuresPerSource - 1) }, LIMITS, NOW)).toBe(0);
    expect(loginWaitMs({ ...none, source: count(LIMITS.freeFailuresPerSource) }, LIMITS, NOW)).toBe(30_000);
  });

  it('waits for the longest of the rules that apply', () => {
    expect(loginWaitMs({ pair: count(6), identifier: undefined, source: count(LIMITS.freeFailuresPerSource) }, LIMITS, NOW)).toBe(60_000);
  });
});
