import { reservedConcurrencyOnFrom } from '#infra/reserved-concurrency';
import { routeThrottles, routeThrottlesOnFrom } from '#infra/route-throttles';

const reader = (values: Record<string, string>) => (contextKey: string, envName: string) => values[contextKey] ?? values[envName];

describe('the capacity deploy options', () => {
  it('turns the per-route throttles on by default, and reads on/off from context or environment', () => {
    expect(routeThrottlesOnFrom(reader({}))).toBe(true);
    expect(routeThrottlesOnFrom(reader({ HALO_ROUTE_THROTTLES: 'off' }))).toBe(false);
    expect(routeThrottlesOnFrom(reader({ routeThrottles: 'on', HALO_ROUTE_THROTTLES: 'off' }))).toBe(true);
    expect(() => routeThrottlesOnFrom(reader({ routeThrottles: 'yes' }))).toThrow('routeThrottles (HALO_ROUTE_THROTTLES) must be on or off, got "yes"');
  });

  it('leaves reserved concurrency off by default', () => {
    expect(reservedConcurrencyOnFrom(reader({}))).toBe(false);
    expect(reservedConcurrencyOnFrom(reader({ HALO_RESERVED_CONCURRENCY: 'on' }))).toBe(true);
    expect(() => reservedConcurrencyOnFrom(reader({ HALO_RESERVED_CONCURRENCY: '100' }))).toThrow('must be on or off');
  });

  it('caps every route throttle at the stage throttle, rate and burst each', () => {
    const routes = routeThrottles({ rateLimit: 15, burstLimit: 30 });
    expect(routes.get('POST /api/register')).toEqual({ rateLimit: 10, burstLimit: 20 });
    expect(routes.get('POST /api/login')).toEqual({ rateLimit: 15, burstLimit: 30 });
    expect([...routes.keys()].sort()).toEqual(['POST /api/login', 'POST /api/register', 'POST /api/user/avatar', 'POST /api/user/avatar/upload', 'POST /api/user/password', 'POST /oauth/token']);
  });
});
