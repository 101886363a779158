import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { admitUploadForm, UPLOAD_FORM_COUNTER_SCOPE, type UploadFormThrottle } from '#lib/throttling/upload-form-throttle';
import { fakeClock } from '#tests/support/account-fixture';
import { expectHaloError } from '#tests/support/halo-error';
import { createInMemoryAbuseCounters } from '#tests/support/in-memory-abuse-counters';

const ALICE = 'alice-id';
const BOB = 'bob-id';

function throttled(perUser = 3, windowSeconds = 600) {
  const clock = fakeClock();
  const counters = createInMemoryAbuseCounters();
  const throttle: UploadFormThrottle = { counters, limits: { perUser, windowSeconds }, clock };
  return { throttle, clock, counters };
}

describe('the per-user limit on upload forms', () => {
  it('admits the first forms of a window and refuses the next with the time left until the window ends', async () => {
    const { throttle, clock } = throttled(3, 600);
    for (let i = 0; i < 3; i++) await admitUploadForm(throttle, ALICE);
    clock.advance(100);
    const refusal = await expectHaloError(admitUploadForm(throttle, ALICE), 'too_many_requests', {
      requests: 'too many upload forms for this account; retry in 500 seconds',
    });
    expect(refusal.retryAfterSeconds).toBe(500);
  });

  it('counts per user: another account is not held back', async () => {
    const { throttle } = throttled(1);
    await admitUploadForm(throttle, ALICE);
    await expectHaloError(admitUploadForm(throttle, ALICE), 'too_many_requests');
    await expect(admitUploadForm(throttle, BOB)).resolves.toBeUndefined();
  });

  it('opens a fresh window once the last one ends, and every refused request counted in the old one', async () => {
    const { throttle, clock, counters } = throttled(2, 600);
    await admitUploadForm(throttle, ALICE);
    await admitUploadForm(throttle, ALICE);
    await expectHaloError(admitUploadForm(throttle, ALICE), 'too_many_requests');
    expect([...counters.windows.values()].map((window) => window.attempts)).toEqual([3]);
    clock.advance(599.999);
    await expectHaloError(admitUploadForm(throttle, ALICE), 'too_many_requests');
    clock.advance(0.001);
    await expect(admitUploadForm(throttle, ALICE)).resolves.toBeUndefined();
  });

  it('keys its counters by a scope of their own (the one IAM lets create-avatar-upload write)', async () => {
    const { throttle, counters } = throttled();
    await admitUploadForm(throttle, ALICE);
    expect([...counters.windows.keys()]).toEqual([`${UPLOAD_FORM_COUNTER_SCOPE}|${ALICE}`]);
  });

  it('defaults to 20 forms per user per hour', () => {
    expect(DEFAULT_LIMITS.uploadForms).toEqual({ perUser: 20, windowSeconds: 3600 });
  });
});
