import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDelete } from './batch-delete';
import { writeIf } from './conditional';
import { queryByUser } from './by-user-index';
import { epochSeconds, keys } from './table-design';

export interface ConnectionRecord {
  readonly connectionId: string;
  readonly userId: string;
  readonly connectedAt: string;
}

/** API Gateway closes every WebSocket after 2 hours; records outlive that so TTL only ever removes dead ones. */
export const CONNECTION_TTL_SECONDS = 3 * 60 * 60;

export type ConnectionsRepository = ReturnType<typeof createConnectionsRepository>;

export function createConnectionsRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    async put(connection: ConnectionRecord): Promise<void> {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...keys.connection(connection.connectionId),
            ...keys.ownedBy(connection.userId, `CONN#${connection.connectionId}`),
            ...connection,
            ttl: epochSeconds(new Date(connection.connectedAt)) + CONNECTION_TTL_SECONDS,
          },
        }),
      );
    },

    async get(connectionId: string): Promise<ConnectionRecord | undefined> {
      const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.connection(connectionId), ConsistentRead: true }));
      return Item as ConnectionRecord | undefined;
    },

    async delete(connectionId: string): Promise<void> {
      await db.send(new DeleteCommand({ TableName: tableName, Key: keys.connection(connectionId) }));
    },

    /**
     * Deletes the record only if its socket connected before `cutoff`; `false` when it is younger (or gone).
     * For sockets API Gateway reports gone: one still inside its `$connect` is reported gone too.
     */
    async deleteIfConnectedBefore(connectionId: string, cutoff: Date): Promise<boolean> {
      return writeIf(() =>
        db.send(
          new DeleteCommand({
            TableName: tableName,
            Key: keys.connection(connectionId),
            ConditionExpression: 'connectedAt < :cutoff',
            ExpressionAttributeValues: { ':cutoff': cutoff.toISOString() },
          }),
        ),
      );
    },

    /** Many records at once (a deletion's closed sockets): one BatchWriteItem per 25 instead of a DeleteItem each. */
    async deleteMany(connectionIds: readonly string[]): Promise<void> {
      await batchDelete(db, tableName, connectionIds.map(keys.connection), 'connection records');
    },

    /** Every open connection of a user, through the byUser index: no Scan, grows with that user's sockets only. */
    async listForUser(userId: string): Promise<string[]> {
      return (await queryByUser(db, tableName, userId, 'CONN#')).map((item) => item.gsi1sk.slice('CONN#'.length));
    },
  };
}
