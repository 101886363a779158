import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Identifier, IdentifierType } from '../identifiers/parse-identifier';
import { writeIf } from './conditional';
import { CONNECTION_TTL_SECONDS } from './connections-repository';
import { epochSeconds, keys } from './table-design';

/** `deleting`: the account is being removed; it can do nothing but finish its own deletion. */
export type UserStatus = 'pending' | 'active' | 'deleting';

/** One identifier of an account, as the user item lists it (`identifiers`, keyed by type). */
export interface IdentifierEntry {
  readonly display: string;
  readonly key: string;
  readonly addedAt: string;
}

/** At most one identifier per type (docs/design.md, "Account management: several identifiers"). */
export type IdentifierMap = Partial<Record<IdentifierType, IdentifierEntry>>;

export interface UserRecord {
  readonly id: string;
  readonly identifier: string;
  readonly identifierType: IdentifierType;
  readonly identifierKey: string;
  /**
   * Every identifier of the account: what login and the claims are checked against. `identifier*` above stay the
   * sign-up's, as written then; items older than the map have only those: read it with `identifiersOf`.
   */
  readonly identifiers?: IdentifierMap;
  readonly passwordHash: string;
  readonly registeredAt: string;
  readonly status: UserStatus;
  /** Until then a pending sign-up's claim on its identifier is honoured; after it, the claim is stale. */
  readonly pendingUntil?: string;
  /** Current avatar (see avatar-repository.ts); its URL is derived from it, never stored. */
  readonly avatarVersion?: string;
  /**
   * The last password change, and the session that made it: every other session created at or before it no
   * longer stands (lib/accounts/session-standing.ts), whether or not the byUser index lists it yet.
   */
  readonly passwordChangedAt?: string;
  readonly passwordChangedBy?: string;
  /** When the deletion started (the first mark; a retried mark keeps it): the key of its pending-deletion record. */
  readonly deletingSince?: string;
}

/**
 * How long a user item marked `deleting` may outlive a deletion nobody finishes (sockets that could not be closed
 * stop it, and the client never retries; its access token dies within the hour anyway, so no retry can come later).
 * Every open socket of the user connected before the mark (a handshake after it sees the mark and withdraws), and
 * API Gateway ends every WebSocket connection after 2 hours ("Connection duration for WebSocket API", in
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html,
 * linked from https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html): by then none is open, and the
 * record of each expires by its own TTL (connectedAt + CONNECTION_TTL_SECONDS), no later than the user item.
 */
export const DELETING_USER_TTL_SECONDS = CONNECTION_TTL_SECONDS;

export interface IdentifierClaim {
  readonly userId: string;
  /** Written by an add (POST /api/user/identifiers) until it is confirmed: past it, a claim its user does not list is stale. */
  readonly pendingUntil?: string;
}

/** DynamoDB's TTL is only a clean-up: the deadline is checked in code, the item may go a day later. */
const PENDING_CLAIM_TTL_MARGIN_SECONDS = 24 * 60 * 60;

/** What an add's unconfirmed claim carries: a deadline, and a TTL so that an add that died leaves nothing for long. */
const pendingClaimAttributes = (pendingUntil: Date | undefined) =>
  pendingUntil ? { pendingUntil: pendingUntil.toISOString(), ttl: epochSeconds(pendingUntil) + PENDING_CLAIM_TTL_MARGIN_SECONDS } : {};

export type UsersRepository = ReturnType<typeof createUsersRepository>;

export function createUsersRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    /** Step 1 of sign-up: a user nobody can reach yet (no identifier points at it); TTL removes it if abandoned. */
    async putPendingUser(user: UserRecord, expiresAt: Date): Promise<void> {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.user(user.id), ...keys.ownedBy(user.id, 'USER'), ...user, ttl: epochSeconds(expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    /** Step 2: point the identifier at the user, only if nobody holds it (an add's claim carries `pendingUntil`). */
    claimIdentifier(identifier: Identifier, userId: string, pendingUntil?: Date): Promise<boolean> {
      return writeIf(() =>
        db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...keys.identifier(identifier.type, identifier.key),
              ...keys.ownedBy(userId, `IDENT#${identifier.type}`),
              userId,
              ...pendingClaimAttributes(pendingUntil),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    },

    /** Takes over a claim left behind by a sign-up that crashed or was abandoned, only if it still points there. */
    replaceStaleClaim(identifier: Identifier, staleUserId: string, userId: string, pendingUntil?: Date): Promise<boolean> {
      return writeIf(() =>
        db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...keys.identifier(identifier.type, identifier.key),
              ...keys.ownedBy(userId, `IDENT#${identifier.type}`),
              userId,
              ...pendingClaimAttributes(pendingUntil),
            },
            ConditionExpression: 'userId = :stale',
            ExpressionAttributeValues: { ':stale': staleUserId },
          }),
        ),
      );
    },

    /**
     * Step 3: the user becomes reachable and permanent; only while its claim is still honoured, so a
     * sign-up that stalled past `pendingUntil` (and may have lost its claim) can never activate.
     */
    activateUser(userId: string, now: Date): Promise<boolean> {
      return writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.user(userId),
            UpdateExpression: 'SET #status = :active REMOVE #ttl, pendingUntil',
            ConditionExpression: '#status = :pending AND pendingUntil > :now',
            ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':active': 'active', ':pending': 'pending', ':now': now.toISOString() },
          }),
        ),
      );
    },

    /** Removes a pending user whose claim lost or whose sign-up failed; never touches an active one. False if none was there. */
    deletePendingUser(userId: string): Promise<boolean> {
      return writeIf(() =>
        db.send(
          new DeleteCommand({
            TableName: tableName,
            Key: keys.user(userId),
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':pending': 'pending' },
          }),
        ),
      );
    },

    /** Gives up a claim, only if it still points at `userId` (a failed sign-up's; never one taken over since). */
    async releaseClaim(identifier: Identifier, userId: string): Promise<void> {
      await writeIf(() =>
        db.send(
          new DeleteCommand({
            TableName: tableName,
            Key: keys.identifier(identifier.type, identifier.key),
            ConditionExpression: 'userId = :user',
            ExpressionAttributeValues: { ':user': userId },
          }),
        ),
      );
    },

    async getUser(userId: string): Promise<UserRecord | undefined> {
      const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.user(userId), ConsistentRead: true }));
      return Item ? toUser(Item) : undefined;
    },

    async getClaim(identifier: Identifier): Promise<IdentifierClaim | undefined> {
      const { Item } = await db.send(
        new GetCommand({ TableName: tableName, Key: keys.identifier(identifier.type, identifier.key), ConsistentRead: true }),
      );
      if (!Item) return undefined;
      return { userId: String(Item.userId), ...(Item.pendingUntil === undefined ? {} : { pendingUntil: String(Item.pendingUntil) }) };
    },

    /**
     * First step of deleting an account: from here on no token works anywhere (authentication wants
     * `active`), sign-ups can't reuse half of it, and a failed deletion can be finished by retrying.
     * The password hash goes at once (nothing verifies a deleting account's password again), and the item gets a
     * TTL, so an account whose deletion stopped and is never retried still goes (DELETING_USER_TTL_SECONDS).
     * A retried mark keeps the TTL it finds (the first mark's; an active user has none): retrying cannot keep
     * the item alive for ever.
     */
    markDeleting(userId: string, now: Date): Promise<boolean> {
      return writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.user(userId),
            UpdateExpression:
              'SET #status = :deleting, deletingSince = if_not_exists(deletingSince, :now), #ttl = if_not_exists(#ttl, :ttl) REMOVE passwordHash',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':deleting': 'deleting', ':now': now.toISOString(), ':ttl': epochSeconds(now) + DELETING_USER_TTL_SECONDS },
          }),
        ),
      );
    },

    /**
     * When a deletion stops with sockets still open (after the claims are gone): the user item stays for the retry,
     * which needs only its id, status and socket slots, so the identifiers' values go too. Only from a deleting user.
     */
    async forgetIdentifiers(userId: string): Promise<void> {
      await writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.user(userId),
            UpdateExpression: 'REMOVE identifier, identifierType, identifierKey, identifiers',
            ConditionExpression: '#status = :deleting',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':deleting': 'deleting' },
          }),
        ),
      );
    },

    /** Last step of deleting an account. */
    async deleteUser(userId: string): Promise<void> {
      await db.send(new DeleteCommand({ TableName: tableName, Key: keys.user(userId) }));
    },

    /**
     * A password change: the new hash, when and by which session, in one write, only if the hash is still the
     * one the caller verified (a concurrent change or rehash loses cleanly: false) and the account is active.
     */
    changePassword(userId: string, change: { oldHash: string; newHash: string; changedAt: Date; changedBy: string }): Promise<boolean> {
      return writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.user(userId),
            UpdateExpression: 'SET passwordHash = :new, passwordChangedAt = :at, passwordChangedBy = :by',
            ConditionExpression: 'passwordHash = :old AND #status = :active',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':new': change.newHash,
              ':old': change.oldHash,
              ':at': change.changedAt.toISOString(),
              ':by': change.changedBy,
              ':active': 'active',
            },
          }),
        ),
      );
    },

    /** Upgrades a hash made with older KDF parameters; loses quietly to a concurrent password change. */
    async replacePasswordHash(userId: string, oldHash: string, newHash: string): Promise<void> {
      await writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.user(userId),
            UpdateExpression: 'SET passwordHash = :new',
            ConditionExpression: 'passwordHash = :old',
            ExpressionAttributeValues: { ':new': newHash, ':old': oldHash },
          }),
        ),
      );
    },
  };
}

/** The user's identifiers; an item written before the map existed stands for its one sign-up identifier, added at registration. */
export const identifiersOf = (user: UserRecord): IdentifierMap =>
  user.identifiers ?? { [user.identifierType]: { display: user.identifier, key: user.identifierKey, addedAt: user.registeredAt } };

export function toUser(item: Record<string, unknown>): UserRecord {
  return {
    id: String(item.id),
    identifier: String(item.identifier),
    identifierType: item.identifierType as IdentifierType,
    identifierKey: String(item.identifierKey),
    ...(item.identifiers && typeof item.identifiers === 'object' ? { identifiers: item.identifiers as IdentifierMap } : {}),
    passwordHash: String(item.passwordHash),
    registeredAt: String(item.registeredAt),
    status: item.status as UserStatus,
    pendingUntil: item.pendingUntil === undefined ? undefined : String(item.pendingUntil),
    avatarVersion: item.avatarVersion === undefined ? undefined : String(item.avatarVersion),
    passwordChangedAt: item.passwordChangedAt === undefined ? undefined : String(item.passwordChangedAt),
    passwordChangedBy: item.passwordChangedBy === undefined ? undefined : String(item.passwordChangedBy),
    deletingSince: item.deletingSince === undefined ? undefined : String(item.deletingSince),
  };
}
