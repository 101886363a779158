import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGet } from './batch-get';
import { batchWrite } from './batch-write';
import { queryByUser } from './by-user-index';
import { writeIf } from './conditional';
import { epochSeconds, keys } from './table-design';
import { toUser, type UserRecord } from './users-repository';

/**
 * A session is one login: a token family (RFC 9700's "refresh token family") plus the refresh token
 * that is currently valid in it. Revoking the family ends every token of that login at once.
 */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly clientId: string;
  readonly revokedAt?: string;
  /** Why it was revoked (the first reason wins): what its sockets are told as they close. */
  readonly revokedFor?: SessionEndReason;
  /**
   * The absolute end of the session (SESSION_ABSOLUTE_LIFETIME_SECONDS after its login): no refresh reaches
   * past it. Absent on sessions opened before the limit existed: they get one at their next refresh.
   */
  readonly endsAt?: string;
  /** When the login or sign-up started it. Absent on sessions opened before it was recorded: they count as the oldest. */
  readonly createdAt?: string;
  /**
   * When it last got tokens (its start, then each refresh). Not every API call: that would cost a write per
   * request (docs/design.md, "Account management: sessions and password").
   */
  readonly lastUsedAt?: string;
  /** When its newest refresh token expires (epoch seconds, DynamoDB's TTL attribute): a session past it is over. */
  readonly ttl?: number;
}

/** Why a session ended, as its sockets are told (docs/asyncapi.yaml `session.ended`). */
export type SessionEndReason = 'revoked' | 'reused' | 'expired' | 'signed_out' | 'password_changed' | 'session_limit';

export interface RefreshTokenRecord {
  readonly tokenHash: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly clientId: string;
  readonly expiresAt: string;
  readonly rotatedAt?: string;
  /** Which refresh rotated the token out: lets that refresh recognise its own write, or undo it. */
  readonly rotationId?: string;
  /** The session's absolute end, carried by each of its tokens so that a refresh needs no extra read. */
  readonly sessionEndsAt?: string;
}

/** A token as `rotateOut` hands it to the one refresh that rotated it. */
export type RotatedToken = RefreshTokenRecord & { readonly rotationId: string };

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;

export function createSessionsRepository(db: DynamoDBDocumentClient, tableName: string) {
  const tokenItem = (token: RefreshTokenRecord) => ({
    ...keys.refreshToken(token.tokenHash),
    ...keys.ownedBy(token.userId, `RT#${token.tokenHash}`),
    ...token,
    ttl: epochSeconds(new Date(token.expiresAt)),
  });
  const putToken = (token: RefreshTokenRecord) =>
    db.send(new PutCommand({ TableName: tableName, Item: tokenItem(token), ConditionExpression: 'attribute_not_exists(pk)' }));

  return {
    /**
     * The family and its first token in one BatchWriteItem request, so no crash can leave one without
     * the other (a family nothing can use, or a token of no family). BatchWrite takes no conditions;
     * none are needed: the family id is a random UUID and the token's key a hash of 256 random bits.
     * Items DynamoDB leaves unprocessed (throttling) are sent again.
     */
    async startSession(session: SessionRecord, firstToken: RefreshTokenRecord): Promise<void> {
      const family = {
        ...keys.tokenFamily(session.id),
        ...keys.ownedBy(session.userId, `RTF#${session.id}`),
        ...session,
        ttl: epochSeconds(new Date(firstToken.expiresAt)),
      };
      await batchWrite(db, tableName, [{ PutRequest: { Item: family } }, { PutRequest: { Item: tokenItem(firstToken) } }], `first session items of user ${session.userId}`);
    },

    putToken: async (token: RefreshTokenRecord) => void (await putToken(token)),

    /**
     * Writes a rotation's successor unless it is already there: the rotating refresh and the retries
     * inside the grace window derive the same token, and whichever writes first wins; the rest are no-ops.
     */
    putSuccessor: (token: RefreshTokenRecord): Promise<boolean> => writeIf(() => putToken(token)),

    async getToken(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
      const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.refreshToken(tokenHash), ConsistentRead: true }));
      return Item as RefreshTokenRecord | undefined;
    },

    /**
     * Marks a token as used, atomically: of any number of concurrent callers exactly one gets the
     * record back; the rest get `undefined` (already rotated, expired, or unknown). If the reply is
     * lost after the write was applied, the token is read back: the rotation id says whether the
     * write was this caller's, so an outage never makes a refresh look like a replay of its own token.
     */
    async rotateOut(tokenHash: string, now: Date): Promise<RotatedToken | undefined> {
      const rotationId = randomUUID();
      let record: RefreshTokenRecord | undefined;
      try {
        await writeIf(async () => {
          const { Attributes } = await db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.refreshToken(tokenHash),
              UpdateExpression: 'SET rotatedAt = :now, rotationId = :rotation',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(rotatedAt) AND expiresAt > :now',
              ExpressionAttributeValues: { ':now': now.toISOString(), ':rotation': rotationId },
              ReturnValues: 'ALL_OLD',
            }),
          );
          record = Attributes as RefreshTokenRecord | undefined;
        });
      } catch (error) {
        const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.refreshToken(tokenHash), ConsistentRead: true }));
        if (Item?.rotationId !== rotationId) throw error;
        // The token as it was before this rotation, like ALL_OLD would have returned it.
        record = { ...(Item as RefreshTokenRecord), rotatedAt: undefined, rotationId: undefined };
      }
      return record && { ...record, rotationId };
    },

    /**
     * Takes back a rotation whose refresh then failed (an outage): the new token, if it was written, is
     * deleted, and the old one is usable again, only if it is still this rotation's. The client never
     * received the new token, so its retry with the old one must not count as reuse.
     */
    async undoRotation(rotated: RotatedToken, newTokenHash: string): Promise<void> {
      await db.send(new DeleteCommand({ TableName: tableName, Key: keys.refreshToken(newTokenHash) }));
      await writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.refreshToken(rotated.tokenHash),
            UpdateExpression: 'REMOVE rotatedAt, rotationId',
            ConditionExpression: 'rotationId = :rotation',
            ExpressionAttributeValues: { ':rotation': rotated.rotationId },
          }),
        ),
      );
    },

    /** Removes a session nobody holds a token of (a sign-up or login that failed after writing it). */
    async removeSession(sessionId: string, tokenHash: string): Promise<void> {
      await db.send(new DeleteCommand({ TableName: tableName, Key: keys.refreshToken(tokenHash) }));
      await db.send(new DeleteCommand({ TableName: tableName, Key: keys.tokenFamily(sessionId) }));
    },

    /**
     * Keeps a live family alive as long as its newest token; refuses (false) once it is revoked. `endsAt` is
     * its absolute end: written once (a session older than the limit gets it at its first refresh).
     */
    extendSession(sessionId: string, until: Date, endsAt: string, usedAt: Date = new Date()): Promise<boolean> {
      return writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.tokenFamily(sessionId),
            // `lastUsedAt`: the session just got tokens (what "last used" means in GET /api/user/sessions).
            UpdateExpression: 'SET #ttl = :ttl, endsAt = if_not_exists(endsAt, :endsAt), lastUsedAt = :used',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
            ExpressionAttributeValues: { ':ttl': epochSeconds(until), ':endsAt': endsAt, ':used': usedAt.toISOString() },
          }),
        ),
      );
    },

    async revokeSession(sessionId: string, now: Date, reason: SessionEndReason = 'revoked'): Promise<void> {
      await writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.tokenFamily(sessionId),
            UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now), revokedFor = if_not_exists(revokedFor, :reason)',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':now': now.toISOString(), ':reason': reason },
          }),
        ),
      );
    },

    /** The session alone, read with strong consistency (socket delivery re-checks it). */
    async getSession(sessionId: string): Promise<SessionRecord | undefined> {
      const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.tokenFamily(sessionId), ConsistentRead: true }));
      return Item as SessionRecord | undefined;
    },

    /**
     * Every session item of a user (revoked and expired ones too, until their TTL removes them). The ids come
     * from the byUser index, which is eventually consistent: a session started in the last second or so may be
     * missing (table-design.ts). The items themselves are then read with strong consistency.
     */
    async listSessions(userId: string): Promise<SessionRecord[]> {
      const owned = await queryByUser(db, tableName, userId, 'RTF#');
      const found = (await batchGet(db, tableName, owned.map(({ pk, sk }) => ({ pk, sk })), `sessions of user ${userId}`)) as unknown as SessionRecord[];
      // An item gone between the query and the read (its TTL, a deletion) is simply not there; another user's never is.
      return found.filter((session) => session.userId === userId);
    },

    /** How many session items the byUser index lists for the user (eventually consistent; revoked ones included). */
    async countSessionKeys(userId: string): Promise<number> {
      return (await queryByUser(db, tableName, userId, 'RTF#')).length;
    },

    /** One round trip for what every authenticated request must know: does the user and its session still stand? */
    async getUserAndSession(userId: string, sessionId: string): Promise<{ user?: UserRecord; session?: SessionRecord }> {
      const userKey = keys.user(userId);
      const sessionKey = keys.tokenFamily(sessionId);
      const found = await batchGet(db, tableName, [userKey, sessionKey], `user ${userId} and session ${sessionId}`);
      const userItem = found.find((item) => item.pk === userKey.pk);
      const sessionItem = found.find((item) => item.pk === sessionKey.pk);
      return {
        user: userItem ? toUser(userItem) : undefined,
        session: sessionItem as SessionRecord | undefined,
      };
    },
  };
}
