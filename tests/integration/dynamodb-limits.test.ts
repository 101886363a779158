import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createTestTable, type TestTable } from '../support/test-table';

/**
 * Limits of DynamoDB that the local engines must not be more permissive about than DynamoDB itself
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html): an item is at most 400 KB
 * (attribute names and values together), and a BatchWriteItem holds at most 25 requests
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html). Both are refused with
 * a ValidationException. Runs on dynalite and again on DynamoDB Local (jest.config.js projects).
 */
let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});
afterAll(() => table.close());

const KB = 1024;

describe('DynamoDB limits on the local engine', () => {
  it('refuses an item over 400 KB with a ValidationException, and stores one just under', async () => {
    const put = (pk: string, bytes: number) =>
      table.db.send(new PutCommand({ TableName: table.tableName, Item: { pk, sk: 'LIMIT', blob: 'x'.repeat(bytes) } }));
    await expect(put('LIMIT#big', 400 * KB + 1)).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(put('LIMIT#fits', 399 * KB)).resolves.toBeDefined();
  });

  it('refuses a BatchWriteItem of 26 requests with a ValidationException, and takes 25', async () => {
    const batch = (count: number, prefix: string) =>
      table.db.send(
        new BatchWriteCommand({
          RequestItems: { [table.tableName]: Array.from({ length: count }, (_, i) => ({ PutRequest: { Item: { pk: `${prefix}#${i}`, sk: 'LIMIT' } } })) },
        }),
      );
    await expect(batch(26, 'LIMIT26')).rejects.toMatchObject({ name: 'ValidationException' });
    expect((await table.scanAll()).filter((item) => String(item.pk).startsWith('LIMIT26#'))).toEqual([]);
    await expect(batch(25, 'LIMIT25')).resolves.toBeDefined();
  });
});
