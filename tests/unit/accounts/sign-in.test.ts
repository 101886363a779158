import { register } from '#lib/accounts/register';
import { HaloError } from '#lib/errors';
import { DEFAULT_LIMITS, type LoginLimits } from '#lib/throttling/limits';
import { signIn } from '#lib/accounts/sign-in';
import type { LoginThrottle } from '#lib/throttling/login-throttle';
import { accountFixture } from '#tests/support/account-fixture';
import { haloErrorOf } from '#tests/support/halo-error';
import { createInMemoryAbuseCounters } from '#tests/support/in-memory-abuse-counters';

const PASSWORD = 'plum-lantern-orbit-47';
const WRONG = 'wrong-password-1';
const USER_IP = '198.51.100.10';
const ATTACKER_IP = '203.0.113.66';

async function world(limits: LoginLimits = DEFAULT_LIMITS.login) {
  const fixture = await accountFixture();
  await register(fixture.deps, { identifier: 'alice@example.com', password: PASSWORD });
  const counters = createInMemoryAbuseCounters();
  const throttle: LoginThrottle = { counters, limits, clock: fixture.clock };
  const attempt = (password: string, source: string, identifier = 'alice@example.com') =>
    signIn({ account: fixture.deps, throttle }, { identifier, password }, source);
  /** One attempt's outcome: 'ok', 'wrong', or the whole seconds a refusal asks to wait. */
  const outcome = async (password: string, source: string, identifier?: string): Promise<'ok' | 'wrong' | number> => {
    try {
      await attempt(password, source, identifier);
      return 'ok';
    } catch (error) {
      if (!(error instanceof HaloError)) throw error;
      if (error.code === 'invalid_credentials') return 'wrong';
      expect(error.code).toBe('too_many_requests');
      return error.retryAfterSeconds ?? Number.NaN;
    }
  };
  const failTimes = async (times: number, source: string, identifier?: string) => {
    for (let i = 0; i < times; i++) expect(await outcome(WRONG, source, identifier)).toBe('wrong');
  };
  const { calls } = fixture.passwords;
  const verifications = () => calls.verify + calls.verifyAgainstNothing;
  return { ...fixture, throttle, counters, attempt, outcome, failTimes, verifications };
}

describe('signIn (login behind the back-off)', () => {
  it('lets five failures through, then refuses for 30 s before verifying any password, right or wrong', async () => {
    const { outcome, failTimes, verifications } = await world();
    await failTimes(5, USER_IP);
    const verified = verifications();

    expect(await outcome(WRONG, USER_IP)).toBe(30);
    expect(await outcome(PASSWORD, USER_IP)).toBe(30);
    expect(verifications()).toBe(verified);
  });

  it('names the problem and the wait in the refusal', async () => {
    const { attempt, failTimes } = await world();
    await failTimes(5, USER_IP);
    const refusal = await haloErrorOf(attempt(WRONG, USER_IP));
    expect(refusal.fields).toEqual({ credentials: 'too many failed attempts; retry in 30 seconds' });
  });

  it('doubles the wait with every further failure, up to 15 minutes', async () => {
    const { outcome, failTimes, clock } = await world();
    await failTimes(5, USER_IP);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const wait = await outcome(WRONG, USER_IP);
      if (typeof wait !== 'number') throw new Error(`expected a refusal, got ${wait}`);
      waits.push(wait);
      clock.advance(wait - 1);
      expect(await outcome(WRONG, USER_IP)).toBe(1); // a second early is still too early
      clock.advance(1);
      expect(await outcome(WRONG, USER_IP)).toBe('wrong'); // on time: the attempt is judged (and fails again)
    }
    expect(waits).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
  });

  it('counts the seconds left, rounded up, from the last failure', async () => {
    const { outcome, failTimes, clock } = await world();
    await failTimes(5, USER_IP);
    clock.advance(12.5);
    expect(await outcome(WRONG, USER_IP)).toBe(18);
  });

  it('forgets failures an hour after the last one, so no back-off is permanent', async () => {
    const { outcome, failTimes, clock } = await world();
    await failTimes(5, USER_IP);
    clock.advance(30);
    await failTimes(1, USER_IP);
    clock.advance(3599);
    await failTimes(1, USER_IP); // the back-off is long over, but the count is still remembered:
    expect(await outcome(WRONG, USER_IP)).toBe(120);
    clock.advance(3600); // an hour after the last failure
    await failTimes(5, USER_IP); // forgotten: five free failures again
    expect(await outcome(WRONG, USER_IP)).toBe(30);
  });

  it('forgives a source its failures on the identifier once it logs in', async () => {
    const { outcome, failTimes } = await world();
    await failTimes(4, USER_IP);
    expect(await outcome(PASSWORD, USER_IP)).toBe('ok');
    await failTimes(5, USER_IP);
    expect(await outcome(WRONG, USER_IP)).toBe(30);
  });

  it('counts every spelling of one identifier together', async () => {
    const { outcome, failTimes } = await world();
    await failTimes(3, USER_IP, 'alice@example.com');
    await failTimes(2, USER_IP, '  ALICE@Example.COM ');
    expect(await outcome(WRONG, USER_IP, 'Alice@example.com')).toBe(30);
  });

  it('answers an unknown identifier exactly like a known one', async () => {
    const known = await world();
    const unknown = await world();
    await known.failTimes(5, USER_IP, 'alice@example.com');
    await unknown.failTimes(5, USER_IP, 'nobody@example.com');
    const knownRefusal = await haloErrorOf(known.attempt(WRONG, USER_IP, 'alice@example.com'));
    const unknownRefusal = await haloErrorOf(unknown.attempt(WRONG, USER_IP, 'nobody@example.com'));
    expect(unknownRefusal).toMatchObject({ code: knownRefusal.code, fields: knownRefusal.fields, retryAfterSeconds: knownRefusal.retryAfterSeconds });
  });

  it('counts identifiers that do not even parse, since they cost a verification too', async () => {
    const { outcome, failTimes } = await world();
    await failTimes(5, USER_IP, 'x');
    expect(await outcome(WRONG, USER_IP, 'x')).toBe(30);
  });

  describe('an attacker cannot lock the real user out', () => {
    it('slows only the source that fails, not the real user elsewhere', async () => {
      const { outcome, failTimes, clock } = await world();
      await failTimes(5, ATTACKER_IP);
      for (let i = 0; i < 20; i++) {
        const wait = await outcome(WRONG, ATTACKER_IP);
        clock.advance(typeof wait === 'number' ? wait : 0);
      }
      expect(await outcome(WRONG, ATTACKER_IP)).toBe(900);
      expect(await outcome(PASSWORD, USER_IP)).toBe('ok');
    });

    it('lets a source that has not failed in while the identifier is attacked from everywhere, but no second guess', async () => {
      const { outcome, failTimes } = await world();
      // A distributed attack: 200 addresses, two guesses each (under the per-pair allowance).
      for (let bot = 0; bot < 200; bot++) await failTimes(bot < 10 ? 2 : 1, `192.0.2.${bot}`);
      // Now under attack: a bot's next guess waits, even though its own count is under the free five.
      expect(await outcome(WRONG, '192.0.2.1')).toBe(60);
      expect(await outcome(WRONG, '192.0.2.150')).toBe(30);
      // The real user, from an address that has not failed, still gets in with the right password.
      expect(await outcome(PASSWORD, USER_IP)).toBe('ok');
    });

    it('gives the real user a bounded back-off, not a lock-out, after a typo during an attack', async () => {
      const { outcome, failTimes, clock } = await world();
      for (let bot = 0; bot < 30; bot++) await failTimes(1, `192.0.2.${bot}`);
      expect(await outcome(WRONG, USER_IP)).toBe('wrong'); // the typo
      expect(await outcome(PASSWORD, USER_IP)).toBe(30);
      clock.advance(30);
      expect(await outcome(PASSWORD, USER_IP)).toBe('ok');
    });
  });

  it('holds back one source spraying many identifiers, even on an identifier it never tried', async () => {
    const { outcome, failTimes } = await world();
    for (let i = 0; i < 100; i++) await failTimes(1, ATTACKER_IP, `victim${i}@example.com`);
    expect(await outcome(WRONG, ATTACKER_IP, 'fresh@example.com')).toBe(30);
    expect(await outcome(PASSWORD, USER_IP)).toBe('ok');
  });

  it('runs no more verifications than the allowance when guesses arrive all at once', async () => {
    const { attempt, verifications } = await world();
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => attempt(WRONG, ATTACKER_IP)));
    const codes = outcomes.map((o) => (o.status === 'rejected' && o.reason instanceof HaloError ? o.reason.code : 'unexpected'));
    // Each guess that ran was admitted by a count no other guess had seen; the rest were refused unverified.
    const ran = codes.filter((code) => code === 'invalid_credentials').length;
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(ran).toBeLessThanOrEqual(5);
    expect(codes.filter((code) => code === 'too_many_requests')).toHaveLength(20 - ran);
    expect(verifications()).toBe(ran);
  });
});
