import { HaloError } from '#lib/errors';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { signUp as signUpUseCase } from '#lib/accounts/sign-up';
import type { RegistrationThrottle } from '#lib/throttling/registration-throttle';
import { accountFixture, fakeClock } from '#tests/support/account-fixture';
import { expectHaloError } from '#tests/support/halo-error';
import { createInMemoryAbuseCounters } from '#tests/support/in-memory-abuse-counters';

const PASSWORD = 'plum-lantern-orbit-47';
const SPAMMER = '203.0.113.66';

async function world() {
  const fixture = await accountFixture();
  const clock = fakeClock(new Date('2025-03-01T12:15:00.000Z'));
  const throttle: RegistrationThrottle = { counters: createInMemoryAbuseCounters(), limits: DEFAULT_LIMITS.registration, clock };
  let n = 0;
  const signUp = (source: string, identifier = `user${++n}@example.com`) => signUpUseCase({ account: fixture.deps, throttle }, { identifier, password: PASSWORD }, source);
  return { ...fixture, clock, signUp };
}

describe('signUp (sign-up behind the per-source limit)', () => {
  it('takes 20 sign-ups per source per hour from its first, then refuses until that hour ends, before hashing', async () => {
    const { signUp, passwords, clock } = await world();
    await expect(signUp(SPAMMER)).resolves.toHaveProperty('user'); // opens the window: it ends at 13:15
    clock.advance(15 * 60);
    for (let i = 0; i < 19; i++) await expect(signUp(SPAMMER)).resolves.toHaveProperty('user');
    const hashed = passwords.calls.hash;

    const refusal = await expectHaloError(signUp(SPAMMER), 'too_many_requests', {
      requests: 'too many sign-ups from this network; retry in 2700 seconds',
    });
    expect(refusal.retryAfterSeconds).toBe(2700);
    expect(passwords.calls.hash).toBe(hashed);
  });

  it('counts refused sign-ups too: a 409 tells whether an identifier is registered', async () => {
    const { signUp } = await world();
    await signUp(SPAMMER, 'taken@example.com');
    for (let i = 0; i < 19; i++) await expectHaloError(signUp(SPAMMER, 'taken@example.com'), 'identifier_taken');
    await expectHaloError(signUp(SPAMMER, 'fresh@example.com'), 'too_many_requests');
  });

  it('starts afresh once the window ends, and never limits another source', async () => {
    const { signUp, clock } = await world();
    for (let i = 0; i < 20; i++) await signUp(SPAMMER);
    await expect(signUp('198.51.100.10')).resolves.toHaveProperty('user');
    clock.advance(60 * 60 - 1);
    await expectHaloError(signUp(SPAMMER), 'too_many_requests');
    clock.advance(1);
    await expect(signUp(SPAMMER)).resolves.toHaveProperty('user');
  });

  it('opens a source’s window at its first attempt, not on the clock’s hour', async () => {
    const { signUp, clock } = await world();
    clock.advance(44 * 60 + 59); // 12:59:59, one second before the clock's hour turns
    for (let i = 0; i < 20; i++) await signUp(SPAMMER);
    clock.advance(2); // 13:00:01: a window aligned to the hour would have started afresh
    const refusal = await expectHaloError(signUp(SPAMMER), 'too_many_requests');
    expect(refusal.retryAfterSeconds).toBe(3600 - 2);
  });

  it('treats every address of one IPv6 /64 as one source', async () => {
    const { signUp } = await world();
    for (let i = 0; i < 20; i++) await signUp(`2001:db8:1:2::${(i + 1).toString(16)}`);
    const refused = await signUp('2001:db8:1:2:ffff::1').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HaloError);
    expect((refused as HaloError).code).toBe('too_many_requests');
  });
});
