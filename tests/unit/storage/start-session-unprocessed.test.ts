import { createSessionsRepository } from '#lib/storage/sessions-repository';
import { partialBatchClient } from '#tests/support/partial-batch-client';

/**
 * A session starts with one BatchWriteItem (the token family and its first token), which DynamoDB may apply in part,
 * handing back UnprocessedItems (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
 * Neither local engine ever does, so this path runs nowhere else: a client that answers as DynamoDB may.
 */
type Put = { PutRequest: { Item: Record<string, unknown> } };
const client = (answers: ((requests: Put[]) => Put[])[]) => partialBatchClient<Put>('halo', answers);
const session = { id: 'family-1', userId: 'user-1', clientId: 'halo' };
const token = { tokenHash: 'hash-1', sessionId: 'family-1', userId: 'user-1', clientId: 'halo', expiresAt: '2026-12-31T00:00:00.000Z' };
const pks = (requests: Put[]) => requests.map((request) => request.PutRequest.Item.pk);

describe('startSession against a DynamoDB that leaves items unprocessed', () => {
  it('sends again exactly the item that came back unprocessed', async () => {
    const { db, sent } = client([(requests) => requests.slice(1)]);
    await createSessionsRepository(db, 'halo').startSession(session, token);
    expect(sent.map(pks)).toEqual([['RTF#family-1', 'RT#hash-1'], ['RT#hash-1']]);
  });

  it('fails, naming the user, when DynamoDB keeps leaving items unprocessed', async () => {
    const always = (requests: Put[]) => requests;
    const { db, sent } = client([always, always, always, always, always, always]);
    await expect(createSessionsRepository(db, 'halo').startSession(session, token)).rejects.toThrow('first session items of user user-1 unprocessed');
    expect(sent).toHaveLength(5);
  });
});
