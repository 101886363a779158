import { FUNCTIONS } from '#infra/catalog';
import { apiOfProtocol, lambdaOf, removeSynthOutputs, resourcesOfApi, synthHalo, type Synthesized } from './halo-template';

/** The deploy options that protect one kind of work from another: reserved concurrency and the per-route throttles. */
let byDefault: Synthesized;
let reserved: Synthesized;
beforeAll(() => {
  byDefault = synthHalo();
  reserved = synthHalo({ reservedConcurrencyOn: true });
});
afterAll(removeSynthOutputs);

const reservationOf = (synth: Synthesized, name: string) => {
  const spec = FUNCTIONS.find((fn) => fn.name === name);
  if (!spec) throw new Error(name);
  return lambdaOf(synth, spec)[1].Properties.ReservedConcurrentExecutions as number | undefined;
};

describe('reserved concurrency', () => {
  it('reserves nothing by default: reservations come out of the account’s shared pool, which only its operator can size', () => {
    for (const spec of FUNCTIONS) expect(reservationOf(byDefault, spec.name)).toBeUndefined();
  });

  it('with reservedConcurrency=on, reserves executions for the KDF and image functions, at least their route’s burst', () => {
    expect(Object.fromEntries(FUNCTIONS.map((spec) => [spec.name, reservationOf(reserved, spec.name)]).filter(([, value]) => value !== undefined))).toEqual({
      register: 20,
      login: 100,
      'oauth-token': 100,
      'upload-avatar': 40,
      'avatar-events': 20,
    });
    for (const spec of FUNCTIONS) {
      if (spec.routeThrottle && spec.reservedConcurrency !== undefined) expect(spec.reservedConcurrency).toBeGreaterThanOrEqual(spec.routeThrottle.burstLimit);
    }
  });

  it('leaves most of a default account’s 1,000 executions unreserved (Lambda keeps at least 100 so)', () => {
    const total = FUNCTIONS.reduce((sum, spec) => sum + (spec.reservedConcurrency ?? 0), 0);
    expect(total).toBe(280);
    expect(1000 - total).toBeGreaterThanOrEqual(100);
  });
});

describe('the per-route throttles option', () => {
  it('sets no route settings with routeThrottles=off, only the stage throttle', () => {
    const off = synthHalo({ routeThrottlesOn: false });
    const [[, stage] = []] = resourcesOfApi(off, 'AWS::ApiGatewayV2::Stage', apiOfProtocol(off, 'HTTP')[0]);
    expect(stage?.Properties.RouteSettings).toBeUndefined();
    expect(stage?.Properties.DefaultRouteSettings).toBeDefined();
  });
});
