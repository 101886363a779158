import { jest } from '@jest/globals';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import type { FunctionSpec } from '#infra/catalog';
import { bucketEventDispatcher } from '#local/bucket-events';

/**
 * The local bucket notification: S3 invokes the subscribed function asynchronously, and Lambda retries a failed
 * asynchronous invocation twice (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html:
 * one minute, then two minutes; locally one second, then two). Timers are Jest's, so nothing here waits.
 */
const record = (eventName: string, key: string): S3EventRecord =>
  ({ eventName, eventTime: '2026-12-03T10:00:00.000Z', s3: { bucket: { name: 'halo-avatars' }, object: { key, eTag: 'e', sequencer: '01' } } }) as S3EventRecord;
const event = (...records: S3EventRecord[]): S3Event => ({ Records: records });

let calls: string[];
beforeEach(() => {
  jest.useFakeTimers();
  calls = [];
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('the local bucket notification (S3 → Lambda, asynchronous)', () => {
  it('retries a failing function twice, one and then two seconds later, and then gives up', async () => {
    const dispatch = bucketEventDispatcher(async (fn: FunctionSpec) => {
      calls.push(fn.name);
      throw new Error('outage');
    });
    dispatch(event(record('ObjectCreated:Post', 'uploads/u1/up1')));
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['avatar-events']);
    await jest.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(calls).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(60 * 60_000);
    expect(calls).toHaveLength(3);
  });

  it('does not retry a function that succeeded, and a retry that succeeds is the last', async () => {
    let failures = 1;
    const dispatch = bucketEventDispatcher(async (fn: FunctionSpec) => {
      calls.push(fn.name);
      if (failures-- > 0) throw new Error('outage');
    });
    dispatch(event(record('ObjectCreated:Put', 'avatars/u1/v1')));
    await jest.advanceTimersByTimeAsync(60 * 60_000);
    expect(calls).toEqual(['avatar-events', 'avatar-events']);
  });

  it('invokes only for ObjectCreated records under a subscribed prefix, one invocation per record', async () => {
    const events: unknown[] = [];
    const dispatch = bucketEventDispatcher(async (_fn: FunctionSpec, payload: unknown) => {
      events.push(payload);
    });
    dispatch(
      event(
        record('ObjectRemoved:Delete', 'uploads/u1/up1'),
        record('ObjectCreated:Put', 'elsewhere/x'),
        record('ObjectCreated:Put', 'avatars/u1/v1'),
        record('ObjectCreated:Post', 'uploads/u1/up2'),
      ),
    );
    await jest.advanceTimersByTimeAsync(0);
    expect(events).toEqual([
      { Records: [expect.objectContaining({ s3: expect.objectContaining({ object: expect.objectContaining({ key: 'avatars/u1/v1' }) }) })] },
      { Records: [expect.objectContaining({ s3: expect.objectContaining({ object: expect.objectContaining({ key: 'uploads/u1/up2' }) }) })] },
    ]);
  });
});
