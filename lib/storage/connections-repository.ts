import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDelete } from './batch-delete';
import { writeIf } from './conditional';
import { queryByUser } from './by-user-index';
import { epochSeconds, keys } from './table-design';

export interface ConnectionRecord {
  readonly connectionId: string;
  readonly userId: string;
  readonly connectedAt: string;
  /**
   * The session (the access token's `sid`) the socket was opened with: ending the session closes the socket,
   * and delivery skips it once the session no longer stands. Absent on records written before it existed.
   */
  readonly sessionId?: string;
}

/** API Gateway closes every WebSocket after 2 hours; records outlive that so TTL only ever removes dead ones. */
export const CONNECTION_TTL_SECONDS = 3 * 60 * 60;

export type ConnectionsRepository = ReturnType<typeof createConnectionsRepository>;

/**
 * Each connection record also holds a slot on its user's item (`sockets`: connection id → connectedAt), written
 * and read with strong consistency. The byUser index cannot be read that way (every GSI read is eventually
 * consistent: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html),
 * so a socket opened a moment ago may be missing from it; the slots are what the cap counts, and what listing a
 * user's sockets adds to the index. The map goes with the user item when the account is deleted.
 */
const SLOTS = 'sockets';
/** Keeps one UpdateItem's expression well under DynamoDB's 4 KB limit on expressions. */
const SLOTS_PER_UPDATE = 50;

export function createConnectionsRepository(db: DynamoDBDocumentClient, tableName: string) {
  const releaseSlot = (userId: string, connectionId: string, connectedAt?: string) =>
    writeIf(() =>
      db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.user(userId),
          UpdateExpression: 'REMOVE #slots.#id',
          ConditionExpression: connectedAt === undefined ? 'attribute_exists(#slots.#id)' : '#slots.#id = :at',
          ExpressionAttributeNames: { '#slots': SLOTS, '#id': connectionId },
          ExpressionAttributeValues: connectedAt === undefined ? undefined : { ':at': connectedAt },
        }),
      ),
    );
  const slots = async (userId: string): Promise<{ userExists: boolean; slots: Record<string, string> }> => {
    const { Item } = await db.send(
      new GetCommand({ TableName: tableName, Key: keys.user(userId), ConsistentRead: true, ProjectionExpression: 'pk, #slots', ExpressionAttributeNames: { '#slots': SLOTS } }),
    );
    return { userExists: Item !== undefined, slots: (Item?.[SLOTS] as Record<string, string> | undefined) ?? {} };
  };
  /** Removes a record and, when it was there, its slot: `true` if it was there. */
  const deleteRecord = async (connectionId: string, condition?: { cutoff: Date }): Promise<boolean> => {
    let old: Record<string, unknown> | undefined;
    const deleted = await writeIf(async () => {
      const { Attributes } = await db.send(
        new DeleteCommand({
          TableName: tableName,
          Key: keys.connection(connectionId),
          ConditionExpression: condition ? 'connectedAt < :cutoff' : undefined,
          ExpressionAttributeValues: condition ? { ':cutoff': condition.cutoff.toISOString() } : undefined,
          ReturnValues: 'ALL_OLD',
        }),
      );
      old = Attributes;
    });
    // A crash right here leaves a slot without its record: the cap frees such slots when it needs them.
    if (deleted && old) await releaseSlot(String(old.userId), connectionId);
    return deleted && old !== undefined;
  };

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

    /** Removes the record and frees its slot. */
    async delete(connectionId: string): Promise<void> {
      await deleteRecord(connectionId);
    },

    /**
     * Deletes the record and its slot only if its socket connected before `cutoff`; `false` when it is younger
     * (or gone). For sockets API Gateway reports gone: one still inside its `$connect` is reported gone too.
     */
    async deleteIfConnectedBefore(userId: string, connectionId: string, cutoff: Date): Promise<boolean> {
      const deleted = await deleteRecord(connectionId, { cutoff });
      // The record may be gone already (its TTL ran) while its slot is not: the slot goes by the same rule.
      if (!deleted) {
        await writeIf(() =>
          db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.user(userId),
              UpdateExpression: 'REMOVE #slots.#id',
              ConditionExpression: '#slots.#id < :cutoff',
              ExpressionAttributeNames: { '#slots': SLOTS, '#id': connectionId },
              ExpressionAttributeValues: { ':cutoff': cutoff.toISOString() },
            }),
          ),
        );
      }
      return deleted;
    },

    /**
     * Many records of one user at once (a deletion's closed sockets): one BatchWriteItem per 25 instead of a
     * DeleteItem each, then their slots, a few dozen to an UpdateItem.
     */
    async deleteMany(userId: string, connectionIds: readonly string[]): Promise<void> {
      await batchDelete(db, tableName, connectionIds.map(keys.connection), 'connection records');
      for (let i = 0; i < connectionIds.length; i += SLOTS_PER_UPDATE) {
        const chunk = connectionIds.slice(i, i + SLOTS_PER_UPDATE);
        await writeIf(() =>
          db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.user(userId),
              UpdateExpression: `REMOVE ${chunk.map((_, j) => `#slots.#id${j}`).join(', ')}`,
              ConditionExpression: 'attribute_exists(#slots)',
              ExpressionAttributeNames: { '#slots': SLOTS, ...Object.fromEntries(chunk.map((id, j) => [`#id${j}`, id])) },
            }),
          ),
        );
      }
    },

    /**
     * Takes a slot for the connection, only while the user has fewer than `cap`: `false` when full. Strongly
     * consistent, so sockets opened at once each see the others. Without a user item there is nothing to count
     * against (`true`): the caller's check that the user is still active refuses the socket.
     */
    async claimSlot(userId: string, connectionId: string, connectedAt: string, cap: number): Promise<boolean> {
      const names = { '#slots': SLOTS, '#id': connectionId };
      for (let attempt = 0; attempt < 5; attempt++) {
        const added = await writeIf(() =>
          db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.user(userId),
              UpdateExpression: 'SET #slots.#id = :at',
              ConditionExpression: 'size(#slots) < :cap',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ':at': connectedAt, ':cap': cap },
            }),
          ),
        ).catch((error: Error) => {
          // Without the map, dynalite fails the condition; DynamoDB may refuse the path instead (unverified): either way, create it.
          if (error.name !== 'ValidationException') throw error;
          return false;
        });
        if (added) return true;
        // The user's first socket (or one of an account older than slots): the map does not exist yet.
        const first = await writeIf(() =>
          db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.user(userId),
              UpdateExpression: 'SET #slots = :slots',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#slots)',
              ExpressionAttributeNames: { '#slots': SLOTS },
              ExpressionAttributeValues: { ':slots': { [connectionId]: connectedAt } },
            }),
          ),
        );
        if (first) return true;
        const current = await slots(userId);
        if (!current.userExists) return true;
        if (Object.keys(current.slots).length >= cap) return false;
        // A slot freed or the map created between the two writes: try again.
      }
      throw new Error(`the socket slots of user ${userId} kept changing under five tries`);
    },

    /** The user's slots (connection id → connectedAt), read with strong consistency. */
    slots: async (userId: string): Promise<Record<string, string>> => (await slots(userId)).slots,

    /** Frees a slot whose record is gone; with `connectedAt`, only if it is still that socket's. */
    releaseSlot: async (userId: string, connectionId: string, connectedAt?: string) => void (await releaseSlot(userId, connectionId, connectedAt)),

    /**
     * Every connection of a user: those the byUser index shows (no Scan: grows with that user's sockets only),
     * and those holding a slot, which a socket opened a moment ago does before the index shows its record.
     */
    async listForUser(userId: string): Promise<string[]> {
      const [indexed, held] = await Promise.all([queryByUser(db, tableName, userId, 'CONN#'), slots(userId)]);
      return [...new Set([...indexed.map((item) => item.gsi1sk.slice('CONN#'.length)), ...Object.keys(held.slots)])].sort();
    },
  };
}
