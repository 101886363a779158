import { DEFAULT_STAGE_THROTTLE, stageThrottleFrom, stageThrottleFromEnvironment } from '#infra/stage-throttle';

const reader =
  (values: Record<string, string>) =>
  (contextKey: string, envName: string): string | undefined =>
    values[contextKey] ?? values[envName];

describe('the stage throttle setting (one definition for the CDK stack and the local gateway)', () => {
  it('defaults to a ceiling sized for a real service, within the account quota and Lambda concurrency', () => {
    expect(stageThrottleFrom(reader({}))).toEqual(DEFAULT_STAGE_THROTTLE);
    // The account-level quota per Region: 10,000 requests/s, 5,000 burst, shared by every API.
    expect(DEFAULT_STAGE_THROTTLE.rateLimit).toBeLessThanOrEqual(10_000);
    expect(DEFAULT_STAGE_THROTTLE.burstLimit).toBeLessThanOrEqual(5_000);
    // Two stages bursting together stay within Lambda's default 1,000 concurrent executions.
    expect(2 * DEFAULT_STAGE_THROTTLE.burstLimit).toBeLessThanOrEqual(1_000);
    // Far above the 100 requests/s the stack started with.
    expect(DEFAULT_STAGE_THROTTLE.rateLimit).toBeGreaterThan(100);
  });

  it('reads throttleRate / throttleBurst, or HALO_THROTTLE_RATE / HALO_THROTTLE_BURST, each on its own', () => {
    expect(stageThrottleFrom(reader({ throttleRate: '2.5', throttleBurst: '10' }))).toEqual({ rateLimit: 2.5, burstLimit: 10 });
    expect(stageThrottleFrom(reader({ HALO_THROTTLE_BURST: '42' }))).toEqual({ rateLimit: DEFAULT_STAGE_THROTTLE.rateLimit, burstLimit: 42 });
    expect(stageThrottleFromEnvironment({ HALO_THROTTLE_RATE: '3', HALO_THROTTLE_BURST: '' })).toEqual({ rateLimit: 3, burstLimit: DEFAULT_STAGE_THROTTLE.burstLimit });
  });

  it.each([
    ['throttleRate', '0'],
    ['throttleRate', '-5'],
    ['throttleRate', 'fast'],
    ['throttleRate', '1e3'],
    ['throttleBurst', '2.5'],
    ['throttleBurst', '0'],
  ])('refuses %s=%s, naming the option and its variable', (key, value) => {
    expect(() => stageThrottleFrom(reader({ [key]: value }))).toThrow(new RegExp(`^${key} \\(HALO_THROTTLE_(RATE|BURST)\\) must be a positive`));
  });
});
