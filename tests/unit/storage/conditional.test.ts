import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { writeIf } from '#lib/storage/conditional';

describe('writeIf', () => {
  it('is true when the write went through', async () => {
    let writes = 0;
    await expect(writeIf(async () => writes++)).resolves.toBe(true);
    expect(writes).toBe(1);
  });

  it('is false when the condition did not hold', async () => {
    const failed = new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    await expect(writeIf(() => Promise.reject(failed))).resolves.toBe(false);
  });

  it('recognises the failure by name too (another copy of the SDK, or the document client)', async () => {
    const failed = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    await expect(writeIf(() => Promise.reject(failed))).resolves.toBe(false);
  });

  it('passes on every other failure', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    await expect(writeIf(() => Promise.reject(throttled))).rejects.toBe(throttled);
  });
});
