import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BY_USER_INDEX, keys } from './table-design';

type Key = { pk: string; sk: string };

export type OwnedItemsRepository = ReturnType<typeof createOwnedItemsRepository>;

/** Everything a user owns, found through the byUser index: deletion grows with the user's items only. */
export function createOwnedItemsRepository(db: DynamoDBDocumentClient, tableName: string) {
  async function listKeys(userId: string): Promise<Key[]> {
    const found: Key[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: BY_USER_INDEX.name,
          KeyConditionExpression: '#pk = :user',
          ExpressionAttributeNames: { '#pk': BY_USER_INDEX.partitionKey },
          ExpressionAttributeValues: { ':user': `USER#${userId}` },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) found.push({ pk: String(item.pk), sk: String(item.sk) });
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  return {
    listKeys,

    /**
     * Deletes every item of the user except the user item itself (identifier claims, refresh tokens,
     * sessions, connection records), which goes last so that a failed deletion can still be retried.
     */
    async deleteAllButUser(userId: string): Promise<number> {
      const userPk = keys.user(userId).pk;
      const doomed = (await listKeys(userId)).filter((key) => key.pk !== userPk);
      for (let i = 0; i < doomed.length; i += 25) {
        let batch = doomed.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
        for (let attempt = 0; batch.length > 0; attempt++) {
          if (attempt === 5) throw new Error(`DynamoDB left ${batch.length} deletes of user ${userId} unprocessed`);
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
          const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } }));
          batch = (result.UnprocessedItems?.[tableName] ?? []) as typeof batch;
        }
      }
      return doomed.length;
    },
  };
}
