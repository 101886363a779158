import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB's limit of requests per BatchWriteItem. */
const BATCH_SIZE = 25;
const ATTEMPTS = 5;

export type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };

/**
 * Puts and deletes (`what` names them in the error: "deletes of user …"), 25 to a BatchWriteItem: one call where one request per item would be 25. Requests DynamoDB
 * hands back unprocessed (throttling) are sent again with backoff; what is still left after a few attempts is an
 * error, so the caller's retry finishes the job. BatchWriteItem takes no conditions: use it only for writes that
 * need none (deletes, and puts of keys nobody else can hold).
 */
export async function batchWrite(db: DynamoDBDocumentClient, tableName: string, requests: readonly WriteRequest[], what: string): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_SIZE) {
    let batch = requests.slice(i, i + BATCH_SIZE);
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt === ATTEMPTS) throw new Error(`DynamoDB left ${batch.length} ${what} unprocessed`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: [...batch] } }));
      batch = (result.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  }
}
