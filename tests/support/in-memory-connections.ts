import type { ConnectionRecord, ConnectionsRepository } from '#lib/storage/connections-repository';

/**
 * ConnectionsRepository kept in a Map. `listForUser` reads the byUser index, which DynamoDB keeps
 * eventually consistent: `lagging(id)` hides a record from the index until `caughtUp(id)`.
 */
export interface InMemoryConnections extends ConnectionsRepository {
  readonly records: Map<string, ConnectionRecord>;
  lagging(connectionId: string): void;
  caughtUp(connectionId: string): void;
  /** Records as the byUser index currently shows them (what the owned-items fake lists too). */
  indexed(userId: string): ConnectionRecord[];
}

export function createInMemoryConnections(): InMemoryConnections {
  const records = new Map<string, ConnectionRecord>();
  const hidden = new Set<string>();
  /** Per user, connection id → connectedAt: the slots DynamoDB keeps on the user item, read consistently. */
  const slots = new Map<string, Map<string, string>>();
  const slotsOf = (userId: string) => slots.get(userId) ?? slots.set(userId, new Map()).get(userId) ?? new Map<string, string>();
  const release = (connectionId: string) => {
    const record = records.get(connectionId);
    if (record) slotsOf(record.userId).delete(connectionId);
  };
  const indexed = (userId: string) =>
    [...records.values()]
      .filter((record) => record.userId === userId && !hidden.has(record.connectionId))
      .sort((a, b) => (a.connectionId < b.connectionId ? -1 : 1))
      .map((record) => ({ ...record }));

  return {
    records,
    indexed,

    lagging(connectionId) {
      hidden.add(connectionId);
    },

    caughtUp(connectionId) {
      hidden.delete(connectionId);
    },

    async put(connection) {
      records.set(connection.connectionId, { ...connection });
    },

    async get(connectionId) {
      const record = records.get(connectionId);
      return record ? { ...record } : undefined;
    },

    async delete(connectionId) {
      release(connectionId);
      records.delete(connectionId);
    },

    async deleteIfConnectedBefore(userId, connectionId, cutoff) {
      const record = records.get(connectionId);
      const slot = slotsOf(userId).get(connectionId);
      if (!record && slot !== undefined && slot < cutoff.toISOString()) slotsOf(userId).delete(connectionId);
      if (!record || !(record.connectedAt < cutoff.toISOString())) return false;
      release(connectionId);
      records.delete(connectionId);
      return true;
    },

    async deleteMany(userId, connectionIds) {
      for (const connectionId of connectionIds) {
        slotsOf(userId).delete(connectionId);
        records.delete(connectionId);
      }
    },

    async claimSlot(userId, connectionId, connectedAt, cap) {
      const held = slotsOf(userId);
      if (held.size >= cap) return false;
      held.set(connectionId, connectedAt);
      return true;
    },

    async slots(userId) {
      return Object.fromEntries(slotsOf(userId));
    },

    async releaseSlot(userId, connectionId, connectedAt) {
      const held = slotsOf(userId);
      if (connectedAt === undefined || held.get(connectionId) === connectedAt) held.delete(connectionId);
    },

    async listForUser(userId) {
      return [...new Set([...indexed(userId).map((record) => record.connectionId), ...slotsOf(userId).keys()])].sort();
    },
  };
}
