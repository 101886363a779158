import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB's limit of requests per BatchWriteItem. */
const BATCH_SIZE = 25;
const ATTEMPTS = 5;

/**
 * Deletes items by key, 25 to a BatchWriteItem: one call where one DeleteItem per item would be 25.
 * Keys DynamoDB hands back unprocessed (throttling) are retried with backoff; what is still left after
 * a few attempts is an error, so the caller's retry finishes the job (deleting is idempotent).
 */
export async function batchDelete(db: DynamoDBDocumentClient, tableName: string, keys: readonly Record<string, unknown>[], what: string): Promise<void> {
  for (let i = 0; i < keys.length; i += BATCH_SIZE) {
    let batch = keys.slice(i, i + BATCH_SIZE).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt === ATTEMPTS) throw new Error(`DynamoDB left ${batch.length} deletes of ${what} unprocessed`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } }));
      batch = (result.UnprocessedItems?.[tableName] ?? []) as typeof batch;
    }
  }
}
