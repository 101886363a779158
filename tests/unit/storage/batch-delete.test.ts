import { batchDelete } from '#lib/storage/batch-delete';
import { partialBatchClient } from '#tests/support/partial-batch-client';

/**
 * BatchWriteItem may succeed in part and hand back UnprocessedItems (when a table is throttled:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html). Neither local engine
 * ever does, so this path runs nowhere else: a client that answers as DynamoDB may.
 */
type Request = { DeleteRequest: { Key: Record<string, unknown> } };
const client = (answers: ((requests: Request[]) => Request[])[]) => partialBatchClient<Request>('t', answers);
const keys = (count: number) => Array.from({ length: count }, (_, i) => ({ pk: `K#${i}`, sk: 'K' }));

describe('batchDelete against a DynamoDB that leaves items unprocessed', () => {
  it('sends again exactly what came back unprocessed, until nothing is left', async () => {
    const { db, sent } = client([(requests) => requests.slice(1, 3)]);
    await batchDelete(db, 't', keys(3), 'tests');
    expect(sent.map((requests) => requests.map((r) => r.DeleteRequest.Key.pk))).toEqual([
      ['K#0', 'K#1', 'K#2'],
      ['K#1', 'K#2'],
    ]);
  });

  it('sends at most 25 requests per call', async () => {
    const { db, sent } = client([]);
    await batchDelete(db, 't', keys(26), 'tests');
    expect(sent.map((requests) => requests.length)).toEqual([25, 1]);
  });

  it('fails, naming what is left, when DynamoDB keeps leaving items unprocessed', async () => {
    const always = (requests: Request[]) => requests;
    const { db, sent } = client([always, always, always, always, always, always]);
    await expect(batchDelete(db, 't', keys(2), 'tests')).rejects.toThrow('DynamoDB left 2 deletes of tests unprocessed');
    expect(sent).toHaveLength(5);
  });
});
