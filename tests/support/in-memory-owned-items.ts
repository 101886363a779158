import type { OwnedItemsRepository } from '#lib/storage/owned-items';
import { keys } from '#lib/storage/table-design';
import type { InMemoryConnections } from './in-memory-connections';
import type { InMemorySessions } from './in-memory-sessions';
import type { InMemoryUsers } from './in-memory-users';

/**
 * OwnedItemsRepository over the other in-memory repositories: what the byUser index would list for a
 * user (the user item, identifier claims, token families, refresh tokens, connection records), and a
 * delete of all of it but the user item, and a read of it all. `failWith` makes deleteAllButUser throw until cleared.
 */
export interface InMemoryOwnedItems extends OwnedItemsRepository {
  /** What the user still owns, for assertions (the DynamoDB repository has no use for it). */
  listKeys(userId: string): Promise<{ pk: string; sk: string }[]>;
  failWith(error: Error | undefined): void;
}

export function createInMemoryOwnedItems(stores: {
  users: InMemoryUsers;
  sessions: InMemorySessions;
  connections: InMemoryConnections;
}): InMemoryOwnedItems {
  const { users, sessions, connections } = stores;
  let failure: Error | undefined;

  const owned = (userId: string) => ({
    claims: [...users.claims.entries()].filter(([, claim]) => claim.userId === userId).map(([key]) => key),
    sessions: [...sessions.sessions.values()].filter((session) => session.userId === userId).map((session) => session.id),
    tokens: [...sessions.tokens.values()].filter((token) => token.userId === userId).map((token) => token.tokenHash),
    connections: connections.indexed(userId).map((record) => record.connectionId),
  });

  async function listKeys(userId: string) {
    const items = owned(userId);
    return [
      ...(users.users.has(userId) ? [keys.user(userId)] : []),
      ...items.claims.map((claim) => ({ pk: `IDENT#${claim}`, sk: 'IDENT' })),
      ...items.sessions.map((id) => keys.tokenFamily(id)),
      ...items.tokens.map((hash) => keys.refreshToken(hash)),
      ...items.connections.map((id) => keys.connection(id)),
    ];
  }

  return {
    listKeys,

    failWith(error) {
      failure = error;
    },

    /** The items as DynamoDB holds them, each with its index sort key (what the export classifies them by). */
    async readAll(userId) {
      const items = owned(userId);
      const user = users.users.get(userId);
      return [
        ...(user ? [{ ...keys.user(userId), gsi1sk: 'USER', ...user }] : []),
        ...items.claims.map((claim) => ({ pk: `IDENT#${claim}`, sk: 'IDENT', gsi1sk: `IDENT#${claim.split('#')[0]}`, userId })),
        ...items.sessions.map((id) => ({ ...keys.tokenFamily(id), gsi1sk: `RTF#${id}`, ...sessions.sessions.get(id) })),
        ...items.tokens.map((hash) => ({ ...keys.refreshToken(hash), gsi1sk: `RT#${hash}`, ...sessions.tokens.get(hash) })),
        ...connections.indexed(userId).map((record) => ({ ...keys.connection(record.connectionId), gsi1sk: `CONN#${record.connectionId}`, ...record })),
      ];
    },

    async deleteAllButUser(userId) {
      if (failure) throw failure;
      const items = owned(userId);
      for (const claim of items.claims) users.claims.delete(claim);
      for (const id of items.sessions) sessions.sessions.delete(id);
      for (const hash of items.tokens) sessions.tokens.delete(hash);
      // Connection records are left to the socket-closing step, as in the DynamoDB repository.
      return items.claims.length + items.sessions.length + items.tokens.length;
    },
  };
}
