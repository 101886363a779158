import { tokenBucket } from '#local/stage-throttle';

/** API Gateway's token bucket (rate + burst), on a clock that moves only when told. */
function bucket(rateLimit: number, burstLimit: number) {
  let now = 1_000_000;
  const b = tokenBucket({ rateLimit, burstLimit }, () => now);
  const takeMany = (count: number) => Array.from({ length: count }, () => b.take()).filter(Boolean).length;
  return { take: () => b.take(), takeMany, wait: (ms: number) => (now += ms) };
}

describe('the stage throttle (token bucket)', () => {
  it('starts full: a burst of burstLimit requests passes at once, the next is refused', () => {
    const b = bucket(10, 20);
    expect(b.takeMany(20)).toBe(20);
    expect(b.take()).toBe(false);
  });

  it('refills at rateLimit tokens a second', () => {
    const b = bucket(10, 20);
    b.takeMany(20);
    b.wait(100);
    expect(b.takeMany(5)).toBe(1);
    b.wait(1_000);
    expect(b.takeMany(50)).toBe(10);
  });

  it('never holds more than burstLimit tokens, however long it rests', () => {
    const b = bucket(1_000, 500);
    b.wait(3_600_000);
    expect(b.takeMany(2_000)).toBe(500);
  });

  it('lets a steady load at the rate pass (1,000 requests/s for 10 s), and not one above it', () => {
    const steady = bucket(1_000, 500);
    let passed = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      steady.wait(1);
      passed += steady.takeMany(1);
    }
    expect(passed).toBe(10_000);
    const over = bucket(100, 1);
    let overPassed = 0;
    for (let i = 0; i < 1_000; i++) {
      over.wait(9);
      overPassed += over.takeMany(1);
    }
    expect(overPassed).toBeLessThan(1_000);
  });

  it('takes fractional rates (one request every 100 s)', () => {
    const b = bucket(0.01, 1);
    expect(b.take()).toBe(true);
    b.wait(99_000);
    expect(b.take()).toBe(false);
    b.wait(1_000);
    expect(b.take()).toBe(true);
  });
});
