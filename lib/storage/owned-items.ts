import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDelete } from './batch-delete';
import { batchGet } from './batch-get';
import { queryByUser } from './by-user-index';
import { keys } from './table-design';

export type OwnedItemsRepository = ReturnType<typeof createOwnedItemsRepository>;

/** Everything a user owns, found through the byUser index: deletion grows with the user's items only. */
export function createOwnedItemsRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    /**
     * Deletes every item of the user except the user item itself (which goes last, so a failed deletion
     * can be retried) and the connection records, which only the socket-closing step may remove: a record
     * deleted here would leave its socket open with nothing left to find it by.
     */
    async deleteAllButUser(userId: string): Promise<number> {
      const userPk = keys.user(userId).pk;
      const doomed = (await queryByUser(db, tableName, userId))
        .filter((key) => key.pk !== userPk && !key.gsi1sk.startsWith('CONN#'))
        .map(({ pk, sk }) => ({ pk, sk }));
      await batchDelete(db, tableName, doomed, `user ${userId}`);
      return doomed.length;
    },

    /**
     * Every item of the user, whole: the index lists the keys (it projects nothing else), one strongly consistent
     * BatchGetItem per 100 reads the items. An item written a moment ago may be missing (the index lags), one
     * deleted a moment ago is dropped by the read.
     */
    async readAll(userId: string): Promise<Record<string, unknown>[]> {
      const owned = (await queryByUser(db, tableName, userId)).map(({ pk, sk }) => ({ pk, sk }));
      return batchGet(db, tableName, owned, `user ${userId}`);
    },
  };
}
