import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchWrite } from './batch-write';

/** Deletes items by key, 25 to a BatchWriteItem (deleting is idempotent, so a failed call is simply made again). */
export async function batchDelete(db: DynamoDBDocumentClient, tableName: string, keys: readonly Record<string, unknown>[], what: string): Promise<void> {
  await batchWrite(db, tableName, keys.map((Key) => ({ DeleteRequest: { Key } })), `deletes of ${what}`);
}
