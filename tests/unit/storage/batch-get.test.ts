import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGet } from '#lib/storage/batch-get';

/**
 * BatchGetItem may answer in part and hand back UnprocessedKeys (throttling, or past its 16 MB answer:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html). Neither local engine does,
 * so a client that answers as DynamoDB may: each call returns the items of the keys `answers` does not hand back.
 */
type Key = { pk: string; sk: string };
function partialGets(answers: ((keys: Key[]) => Key[])[]) {
  const sent: Key[][] = [];
  const db = {
    send: async (command: { input: { RequestItems: Record<string, { Keys: Key[]; ConsistentRead?: boolean }> } }) => {
      const { Keys, ConsistentRead } = command.input.RequestItems.t ?? { Keys: [] };
      if (!ConsistentRead) throw new Error('expected a strongly consistent read');
      sent.push(Keys);
      const unprocessed = (answers.shift() ?? (() => []))(Keys);
      const served = Keys.filter((key) => !unprocessed.includes(key)).map((key) => ({ ...key, value: key.pk }));
      return { Responses: { t: served }, ...(unprocessed.length > 0 ? { UnprocessedKeys: { t: { Keys: unprocessed } } } : {}) };
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, sent };
}
const keys = (count: number) => Array.from({ length: count }, (_, i) => ({ pk: `K#${i}`, sk: 'K' }));

describe('batchGet against a DynamoDB that leaves keys unprocessed', () => {
  it('asks again for exactly the keys that came back unprocessed, and returns every item once', async () => {
    const { db, sent } = partialGets([(asked) => asked.slice(1)]);
    const items = await batchGet(db, 't', keys(3), 'tests');
    expect(items.map((item) => item.pk).sort()).toEqual(['K#0', 'K#1', 'K#2']);
    expect(sent.map((asked) => asked.map((key) => key.pk))).toEqual([
      ['K#0', 'K#1', 'K#2'],
      ['K#1', 'K#2'],
    ]);
  });

  it('asks for at most 100 keys per call', async () => {
    const { db, sent } = partialGets([]);
    expect(await batchGet(db, 't', keys(101), 'tests')).toHaveLength(101);
    expect(sent.map((asked) => asked.length)).toEqual([100, 1]);
  });

  it('fails, naming what is left, when DynamoDB keeps leaving keys unprocessed', async () => {
    const always = (asked: Key[]) => asked;
    const { db, sent } = partialGets([always, always, always, always, always, always]);
    await expect(batchGet(db, 't', keys(2), 'tests')).rejects.toThrow('DynamoDB left 2 reads of tests unprocessed');
    expect(sent).toHaveLength(5);
  });
});
