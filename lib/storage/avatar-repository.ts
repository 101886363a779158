import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { writeIf } from './conditional';
import { keys } from './table-design';

export type SetAvatarOutcome =
  | { readonly outcome: 'set'; readonly previousVersion: string | undefined }
  /** A newer avatar is already set: this one lost a race and must be cleaned up. */
  | { readonly outcome: 'superseded' }
  /** The user is gone or being deleted: the object must not stay behind. */
  | { readonly outcome: 'gone' };

export type AvatarRepository = ReturnType<typeof createAvatarRepository>;

/** The avatar fields of the user item: `avatarVersion` (sortable, so the newest upload wins) and `avatarChangedAt`. */
export function createAvatarRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    /**
     * Makes `version` the user's avatar if the user is active and nothing newer is set, in one conditional
     * write: of concurrent uploads the newest wins whatever order they finish in.
     */
    async setAvatar(userId: string, version: string, changedAt: Date): Promise<SetAvatarOutcome> {
      let previous: Record<string, unknown> | undefined;
      const won = await writeIf(async () => {
        const { Attributes } = await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.user(userId),
            UpdateExpression: 'SET avatarVersion = :version, avatarChangedAt = :at',
            ConditionExpression: '#status = :active AND (attribute_not_exists(avatarVersion) OR avatarVersion < :version)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':version': version, ':at': changedAt.toISOString(), ':active': 'active' },
            ReturnValues: 'ALL_OLD',
          }),
        );
        previous = Attributes;
      });
      if (won) return { outcome: 'set', previousVersion: previous?.avatarVersion as string | undefined };
      const current = await this.currentAvatar(userId);
      return current.active ? { outcome: 'superseded' } : { outcome: 'gone' };
    },

    async currentAvatar(userId: string): Promise<{ active: boolean; version?: string; changedAt?: string }> {
      const { Item } = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: keys.user(userId),
          ConsistentRead: true,
          ProjectionExpression: '#status, avatarVersion, avatarChangedAt',
          ExpressionAttributeNames: { '#status': 'status' },
        }),
      );
      return {
        active: Item?.status === 'active',
        version: Item?.avatarVersion as string | undefined,
        changedAt: Item?.avatarChangedAt as string | undefined,
      };
    },
  };
}
