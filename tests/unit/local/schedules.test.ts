import { jest } from '@jest/globals';
import type { FunctionSpec } from '#infra/catalog';
import type { Invoker } from '#local/function-invoker';
import { scheduledEvent, scheduleSettingFrom, startSchedules } from '#local/schedules';

/** Records each invocation as `<function name> <detail-type>`. */
function recordingInvoker() {
  const calls: string[] = [];
  const invoke: Invoker = async (fn: FunctionSpec, event: unknown) => {
    calls.push(`${fn.name} ${(event as Record<string, string>)['detail-type']}`);
    return { ran: fn.name };
  };
  return { calls, invoke };
}

describe('the embedded stack’s schedules', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs each scheduled function at its catalog period, with a scheduled event', () => {
    const { calls, invoke } = recordingInvoker();
    const schedules = startSchedules(invoke, 'catalog');
    jest.advanceTimersByTime(15 * 60_000 - 1);
    expect(calls).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(calls).toEqual(['finish-deletions Scheduled Event']);
    jest.advanceTimersByTime(15 * 60_000);
    expect(calls).toHaveLength(2);
    schedules.close();
    jest.advanceTimersByTime(60 * 60_000);
    expect(calls).toHaveLength(2);
  });

  it('runs them every LOCAL_SCHEDULES seconds, or only on demand with `off`', async () => {
    const every = recordingInvoker();
    const fast = startSchedules(every.invoke, scheduleSettingFrom('30'));
    jest.advanceTimersByTime(90_000);
    expect(every.calls).toHaveLength(3);
    fast.close();

    const demand = recordingInvoker();
    const off = startSchedules(demand.invoke, scheduleSettingFrom('off'));
    jest.advanceTimersByTime(24 * 60 * 60_000);
    expect(demand.calls).toEqual([]);
    await expect(off.run('finish-deletions')).resolves.toEqual({ ran: 'finish-deletions' });
    await expect(off.run('delete-user')).rejects.toThrow('no scheduled function named "delete-user"');
    expect(demand.calls).toEqual(['finish-deletions Scheduled Event']);
    off.close();
  });

  it('reads LOCAL_SCHEDULES strictly', () => {
    expect(scheduleSettingFrom(undefined)).toBe('catalog');
    expect(scheduleSettingFrom(' ')).toBe('catalog');
    expect(scheduleSettingFrom('off')).toBe('off');
    expect(scheduleSettingFrom('5')).toEqual({ everySeconds: 5 });
    for (const bad of ['0', '-1', '1.5', 'soon']) expect(() => scheduleSettingFrom(bad)).toThrow(/LOCAL_SCHEDULES must be/);
  });

  it('sends the event EventBridge sends a rule’s Lambda target', () => {
    expect(scheduledEvent({ name: 'finish-deletions' }, new Date('2026-12-03T14:00:00.123Z'))).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: '2026-12-03T14:00:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/finish-deletions'],
      detail: {},
    });
  });
});
