import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A document client that answers BatchWriteItem as DynamoDB may when a table is throttled: each call applies
 * what `answers` (one per call, in order) does not hand back as UnprocessedItems
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html). Neither local engine
 * ever does, so the retry paths for it run nowhere else. `sent` records each call's requests for `tableName`.
 */
export function partialBatchClient<Request>(tableName: string, answers: ((requests: Request[]) => Request[])[]) {
  const sent: Request[][] = [];
  const db = {
    send: async (command: { input: { RequestItems: Record<string, Request[]> } }) => {
      const requests = command.input.RequestItems[tableName] ?? [];
      sent.push(requests);
      const unprocessed = (answers.shift() ?? (() => []))(requests);
      return unprocessed.length > 0 ? { UnprocessedItems: { [tableName]: unprocessed } } : {};
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, sent };
}
