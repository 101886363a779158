import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Identifier, IdentifierType } from '../identifiers/parse-identifier';
import { writeIf } from './conditional';
import { keys } from './table-design';
import type { IdentifierEntry, IdentifierMap } from './users-repository';

export const IDENTIFIER_TYPES: readonly IdentifierType[] = ['nickname', 'email', 'phone'];

export type IdentifiersRepository = ReturnType<typeof createIdentifiersRepository>;

/**
 * The writes of adding and removing an identifier (lib/accounts/identifiers.ts). The claims themselves are
 * written with the users repository's claim functions, which sign-up uses too; these are the user item's map
 * (`identifiers`, one entry per type) and the confirmation of an add's claim.
 */
export function createIdentifiersRepository(db: DynamoDBDocumentClient, tableName: string) {
  /** Lists the identifier on the user, only while the user is active and has none of that type. */
  const setEntry = (userId: string, type: IdentifierType, entry: IdentifierEntry) =>
    writeIf(() =>
      db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.user(userId),
          UpdateExpression: 'SET identifiers.#type = :entry',
          ConditionExpression: '#status = :active AND attribute_not_exists(identifiers.#type)',
          ExpressionAttributeNames: { '#status': 'status', '#type': type },
          ExpressionAttributeValues: { ':active': 'active', ':entry': entry },
        }),
      ),
    );

  /** Writes the map an item older than `identifiers` stands for, so a nested path can be set in it. */
  const writeLegacyMap = (userId: string, map: IdentifierMap) =>
    writeIf(() =>
      db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.user(userId),
          UpdateExpression: 'SET identifiers = :map',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(identifiers)',
          ExpressionAttributeValues: { ':map': map },
        }),
      ),
    );

  return {
    /**
     * Adds the entry to the user's map; false if the user is not active or already lists one of that type. An item
     * written before the map existed has none, and DynamoDB refuses to set a path inside a missing map
     * (ValidationException: "The document path provided in the update expression is invalid for update"), so the
     * map is written first (`current`: what `toUser` derived from the item's sign-up identifier), then the entry.
     */
    async addToUser(userId: string, type: IdentifierType, entry: IdentifierEntry, current: IdentifierMap): Promise<boolean> {
      try {
        return await setEntry(userId, type, entry);
      } catch (error) {
        if ((error as Error).name !== 'ValidationException') throw error;
        await writeLegacyMap(userId, current);
        return setEntry(userId, type, entry);
      }
    },

    /**
     * Unlists the identifier, only while the user is active, lists exactly this one for its type and keeps at
     * least one other: the condition, not an earlier read, is what keeps an account from losing its last one.
     */
    removeFromUser(userId: string, identifier: Identifier): Promise<boolean> {
      const others = IDENTIFIER_TYPES.filter((type) => type !== identifier.type);
      return writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.user(userId),
            UpdateExpression: 'REMOVE identifiers.#type',
            ConditionExpression: `#status = :active AND identifiers.#type.#key = :key AND (${others.map((_, i) => `attribute_exists(identifiers.#other${i})`).join(' OR ')})`,
            ExpressionAttributeNames: {
              '#status': 'status',
              '#type': identifier.type,
              '#key': 'key',
              ...Object.fromEntries(others.map((type, i) => [`#other${i}`, type])),
            },
            ExpressionAttributeValues: { ':active': 'active', ':key': identifier.key },
          }),
        ),
      ).catch((error: unknown) => {
        // A map-less (older) item has one identifier only: it can never lose it.
        if ((error as Error).name === 'ValidationException') return false;
        throw error;
      });
    },

    /** Undoes an add whose claim turned out not to be its own: unlists the entry, only if it is still this one. */
    unlistFromUser(userId: string, identifier: Identifier): Promise<boolean> {
      return writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.user(userId),
            UpdateExpression: 'REMOVE identifiers.#type',
            ConditionExpression: 'identifiers.#type.#key = :key',
            ExpressionAttributeNames: { '#type': identifier.type, '#key': 'key' },
            ExpressionAttributeValues: { ':key': identifier.key },
          }),
        ),
      );
    },

    /** The last step of an add: the claim loses its deadline and TTL, only if it still points at the user. */
    confirmClaim(identifier: Identifier, userId: string): Promise<boolean> {
      return writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.identifier(identifier.type, identifier.key),
            UpdateExpression: 'REMOVE pendingUntil, #ttl',
            ConditionExpression: 'userId = :user',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':user': userId },
          }),
        ),
      );
    },
  };
}
