import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { writeIf } from './conditional';
import { epochSeconds, keys } from './table-design';

/**
 * An upload grant: the record that Halo gave `userId` a direct-upload form for `uploads/<userId>/<uploadId>`,
 * valid for uploads that land by `expiresAt`. The S3 event's function accepts an upload only if its grant
 * exists, belongs to the user in the key, had not expired when the object landed, and is not already being
 * used by another write of the same key; then it claims it, and deletes it once the upload is processed, so a
 * form is good for one avatar change at most (see docs/design.md, "Direct uploads").
 */
export interface UploadGrant {
  readonly userId: string;
  readonly uploadId: string;
  readonly expiresAt: string;
}

/** Which write of the object an event is about (S3's sequencer and ETag): a retried event carries the same. */
export interface UploadLanding {
  readonly claim: string;
  readonly landedAt: Date;
}

/**
 * DynamoDB's TTL purges a grant this long after its form expired: past the longest an S3 event can wait for
 * Lambda (6 hours of retries), so a late retry still finds the grant it claimed.
 */
const TTL_AFTER_EXPIRY_SECONDS = 24 * 60 * 60;

export type UploadGrantsRepository = ReturnType<typeof createUploadGrantsRepository>;

export function createUploadGrantsRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    async issue(grant: UploadGrant): Promise<void> {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...keys.uploadGrant(grant.uploadId),
            ...keys.ownedBy(grant.userId, `UPLOAD#${grant.uploadId}`),
            ...grant,
            ttl: epochSeconds(new Date(grant.expiresAt)) + TTL_AFTER_EXPIRY_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    /**
     * Claims the grant for one write of the object, in one conditional write: it must be the user's, the
     * object must have landed before it expired, and no other write may hold it. The same write claiming
     * again (a retried event) succeeds. `false` when the upload is not one Halo issued, or not this time.
     */
    claim(userId: string, uploadId: string, landing: UploadLanding): Promise<boolean> {
      return writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.uploadGrant(uploadId),
            UpdateExpression: 'SET claimedBy = :claim',
            ConditionExpression: 'userId = :user AND expiresAt >= :landed AND (attribute_not_exists(claimedBy) OR claimedBy = :claim)',
            ExpressionAttributeValues: { ':user': userId, ':landed': landing.landedAt.toISOString(), ':claim': landing.claim },
          }),
        ),
      );
    },

    /** Consumes the grant once its upload is processed; only the write that claimed it can. */
    async consume(uploadId: string, landing: UploadLanding): Promise<void> {
      await writeIf(() =>
        db.send(
          new DeleteCommand({
            TableName: tableName,
            Key: keys.uploadGrant(uploadId),
            ConditionExpression: 'claimedBy = :claim',
            ExpressionAttributeValues: { ':claim': landing.claim },
          }),
        ),
      );
    },

    /** Withdraws a grant whose form was never handed out (its user was deleted meanwhile). */
    async withdraw(uploadId: string): Promise<void> {
      await db.send(new DeleteCommand({ TableName: tableName, Key: keys.uploadGrant(uploadId) }));
    },
  };
}
