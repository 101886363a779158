import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB's limit of keys per BatchGetItem (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html). */
const BATCH_SIZE = 100;
const ATTEMPTS = 5;

/**
 * Reads items by key with strong consistency, 100 to a BatchGetItem. Keys DynamoDB hands back unprocessed
 * (throttling, or the 16 MB answer limit) are asked for again with backoff; what is still missing after a few
 * attempts is an error. Items that do not exist are simply absent from the result, in no particular order.
 */
export async function batchGet(db: DynamoDBDocumentClient, tableName: string, keys: readonly Record<string, unknown>[], what: string): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += BATCH_SIZE) {
    let pending = keys.slice(i, i + BATCH_SIZE);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} reads of ${what} unprocessed`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const result = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: [...pending], ConsistentRead: true } } }));
      found.push(...(result.Responses?.[tableName] ?? []));
      pending = (result.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  return found;
}
