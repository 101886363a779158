import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BY_USER_INDEX } from './table-design';

export interface OwnedItemKeys {
  readonly pk: string;
  readonly sk: string;
  /** The item's sort key in the index: its kind and id (`CONN#…`, `RT#…`, `USER`). */
  readonly gsi1sk: string;
}

/**
 * Every item a user owns, optionally only those whose index sort key starts with `kind`, page by page.
 * The index projects keys only: callers get keys, and read items when they need more.
 */
export async function queryByUser(db: DynamoDBDocumentClient, tableName: string, userId: string, kind?: string): Promise<OwnedItemKeys[]> {
  const found: OwnedItemKeys[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: BY_USER_INDEX.name,
        KeyConditionExpression: kind ? '#pk = :user AND begins_with(#sk, :kind)' : '#pk = :user',
        ExpressionAttributeNames: kind ? { '#pk': BY_USER_INDEX.partitionKey, '#sk': BY_USER_INDEX.sortKey } : { '#pk': BY_USER_INDEX.partitionKey },
        ExpressionAttributeValues: kind ? { ':user': `USER#${userId}`, ':kind': kind } : { ':user': `USER#${userId}` },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) found.push({ pk: String(item.pk), sk: String(item.sk), gsi1sk: String(item.gsi1sk) });
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}
