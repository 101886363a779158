import { IDENTIFIER_TYPES, type IdentifiersRepository } from '#lib/storage/identifiers-repository';
import { identifiersOf } from '#lib/storage/users-repository';
import type { InMemoryUsers } from './in-memory-users';

/**
 * IdentifiersRepository over the in-memory users, with the DynamoDB writes' conditions: an entry is set only on
 * an active user with none of its type, removed only if it is that identifier and another remains, a claim is
 * confirmed only if it still points at the user.
 */
export function createInMemoryIdentifiers(users: InMemoryUsers): IdentifiersRepository {
  return {
    async addToUser(userId, type, entry) {
      const user = users.users.get(userId);
      if (user?.status !== 'active') return false;
      const map = identifiersOf(user);
      if (map[type]) return false;
      users.users.set(userId, { ...user, identifiers: { ...map, [type]: entry } });
      return true;
    },

    async removeFromUser(userId, identifier) {
      const user = users.users.get(userId);
      if (user?.status !== 'active') return false;
      const map = identifiersOf(user);
      const others = IDENTIFIER_TYPES.filter((type) => type !== identifier.type && map[type]);
      if (map[identifier.type]?.key !== identifier.key || others.length === 0) return false;
      users.users.set(userId, { ...user, identifiers: Object.fromEntries(Object.entries(map).filter(([type]) => type !== identifier.type)) });
      return true;
    },

    async unlistFromUser(userId, identifier) {
      const user = users.users.get(userId);
      const map = user && identifiersOf(user);
      if (!user || map?.[identifier.type]?.key !== identifier.key) return false;
      users.users.set(userId, { ...user, identifiers: Object.fromEntries(Object.entries(map).filter(([type]) => type !== identifier.type)) });
      return true;
    },

    async confirmClaim(identifier, userId) {
      const key = `${identifier.type}#${identifier.key}`;
      if (users.claims.get(key)?.userId !== userId) return false;
      users.claims.set(key, { userId });
      return true;
    },
  };
}
