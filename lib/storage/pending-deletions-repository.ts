import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys, PENDING_DELETIONS_PARTITION } from './table-design';

/** An account whose deletion started at `markedAt` (ISO 8601) and is not known to have finished. */
export interface PendingDeletion {
  readonly userId: string;
  readonly markedAt: string;
}

export type PendingDeletionsRepository = ReturnType<typeof createPendingDeletionsRepository>;

/**
 * The deletions still owed, under one partition key and sorted by when they started, so the scheduled finisher
 * lists the stalled ones with a Query (no Scan: table-design.ts). Both writes are idempotent: a retried deletion
 * writes the same key again (it starts from the user item's `deletingSince`), and removing a record that is gone
 * is no error.
 */
export function createPendingDeletionsRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    /** Written before the user is marked `deleting`, so no marked user is ever without its record. */
    async record(deletion: PendingDeletion): Promise<void> {
      await db.send(new PutCommand({ TableName: tableName, Item: { ...keys.pendingDeletion(deletion.markedAt, deletion.userId), ...deletion } }));
    },

    /** Once the user item is gone (or the record turned out stale). */
    async remove(deletion: PendingDeletion): Promise<void> {
      await db.send(new DeleteCommand({ TableName: tableName, Key: keys.pendingDeletion(deletion.markedAt, deletion.userId) }));
    },

    /** Up to `limit` deletions that started before `cutoff`, oldest first. */
    async listStartedBefore(cutoff: Date, limit: number): Promise<PendingDeletion[]> {
      const found: PendingDeletion[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk < :cutoff',
            ExpressionAttributeValues: { ':pk': PENDING_DELETIONS_PARTITION, ':cutoff': cutoff.toISOString() },
            ConsistentRead: true,
            Limit: limit - found.length,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) found.push({ userId: String(item.userId), markedAt: String(item.markedAt) });
        start = page.LastEvaluatedKey;
      } while (start && found.length < limit);
      return found;
    },
  };
}
