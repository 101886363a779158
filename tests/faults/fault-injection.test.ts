import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { connectionGone, mentions, networkReset, s3Error, throughputExceeded } from '../support/fault-injection';
import { startFaultStack, type FaultStack } from './fault-harness';

/** The injector itself: a fault test is only as good as the faults it really injects. */

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack();
});
afterAll(() => stack.close());

const item = () => ({ pk: `TEST#${randomUUID()}`, sk: 'TEST' });
const stored = async (key: { pk: string; sk: string }) =>
  (await stack.table.db.send(new GetCommand({ TableName: stack.table.tableName, Key: key, ConsistentRead: true }))).Item !== undefined;

describe('the fault injector', () => {
  it('fails exactly the chosen call: before it arrives (nothing written) or after it was applied (reply lost)', async () => {
    const { faults, clients } = stack.actor();
    const [first, second, third] = [item(), item(), item()];
    const put = (key: object) => clients.db.send(new PutCommand({ TableName: stack.table.tableName, Item: key }));

    faults.failCall(2);
    await put(first);
    await expect(put(second)).rejects.toMatchObject({ name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    expect(faults.calls.map((call) => `${call.service}:${call.operation}`)).toEqual(['DynamoDB:PutItem', 'DynamoDB:PutItem']);
    expect([await stored(first), await stored(second)]).toEqual([true, false]);

    faults.failWhen((call) => mentions(call, third.pk), { timing: 'after' });
    await expect(put(third)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await stored(third)).toBe(true);
    expect(faults.fired).toBe(2);
    expect(faults.faulted.map((call) => mentions(call, third.pk))).toEqual([false, true]);
  });

  it("raises errors Halo's code reads as it reads the real ones", async () => {
    const actor = stack.actor();
    const { faults } = actor;
    // A throttled conditional write is an outage, never a lost condition.
    faults.failWhen((call) => call.operation === 'PutItem', { error: throughputExceeded });
    await expect(actor.account.users.claimIdentifier({ type: 'nickname', key: 'throttled', display: 'throttled' }, randomUUID())).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
    // An S3 outage on a read is not a missing object.
    faults.failWhen((call) => call.operation === 'GetObject', { error: () => s3Error('SlowDown') });
    await expect(actor.avatars.objects.read('uploads/nothing/here', 10)).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    // @connections: Gone means gone; a 500 or a reset connection is an error to report.
    stack.connections.live.add('alive=');
    faults.failWhen((call) => call.operation === 'PostToConnection', { error: connectionGone });
    await expect(actor.avatars.sockets.send('alive=', {})).resolves.toBe('gone');
    faults.failWhen((call) => call.operation === 'PostToConnection');
    await expect(actor.avatars.sockets.send('alive=', {})).rejects.toMatchObject({ name: 'InternalServerErrorException' });
    faults.failWhen((call) => call.operation === 'PostToConnection', { error: networkReset });
    await expect(actor.avatars.sockets.send('alive=', {})).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(actor.avatars.sockets.send('alive=', { type: 'after the outage' })).resolves.toBe('sent');
    expect(stack.connections.received.get('alive=')).toEqual([{ type: 'after the outage' }]);
  });

  it('holds a call until released, so a test can force one interleaving', async () => {
    const { faults, clients } = stack.actor();
    const key = item();
    let release!: () => void;
    const reached = faults.holdWhen((call) => mentions(call, key.pk), new Promise<void>((done) => (release = done)));
    const write = clients.db.send(new PutCommand({ TableName: stack.table.tableName, Item: key }));
    await reached;
    expect(await stored(key)).toBe(false);
    release();
    await write;
    expect(await stored(key)).toBe(true);
  });
});
