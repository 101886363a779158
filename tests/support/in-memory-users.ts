import type { Identifier } from '#lib/identifiers/parse-identifier';
import type { IdentifierClaim, UserRecord, UsersRepository } from '#lib/storage/users-repository';

/**
 * UsersRepository kept in Maps, with the same conditions as the DynamoDB writes: a claim is taken only
 * if free, a stale claim is replaced only if it still points at the stale user, a user activates only
 * while pending and inside its window. Records are copied in and out, as a database would.
 */
export interface InMemoryUsers extends UsersRepository {
  readonly users: Map<string, UserRecord>;
  readonly claims: Map<string, IdentifierClaim>;
}

const claimKey = (identifier: Identifier) => `${identifier.type}#${identifier.key}`;

export function createInMemoryUsers(): InMemoryUsers {
  const users = new Map<string, UserRecord>();
  const claims = new Map<string, IdentifierClaim>();

  return {
    users,
    claims,

    async markDeleting(userId, now) {
      const user = users.get(userId);
      if (!user) return false;
      // As the DynamoDB write: the password hash goes with the mark (the TTL it sets is not modelled here).
      users.set(userId, { ...user, status: 'deleting', passwordHash: '', deletingSince: user.deletingSince ?? now.toISOString() });
      return true;
    },

    async forgetIdentifiers(userId) {
      const user = users.get(userId);
      if (user?.status === 'deleting') users.set(userId, { ...user, identifier: '', identifierKey: '' });
    },

    async deleteUser(userId) {
      users.delete(userId);
    },

    async putPendingUser(user) {
      if (users.has(user.id)) throw new Error(`ConditionalCheckFailed: user ${user.id} exists`);
      users.set(user.id, { ...user });
    },

    async claimIdentifier(identifier, userId, pendingUntil) {
      if (claims.has(claimKey(identifier))) return false;
      claims.set(claimKey(identifier), pendingUntil ? { userId, pendingUntil: pendingUntil.toISOString() } : { userId });
      return true;
    },

    async replaceStaleClaim(identifier, staleUserId, userId, pendingUntil) {
      if (claims.get(claimKey(identifier))?.userId !== staleUserId) return false;
      claims.set(claimKey(identifier), pendingUntil ? { userId, pendingUntil: pendingUntil.toISOString() } : { userId });
      return true;
    },

    async activateUser(userId, now) {
      const user = users.get(userId);
      if (user?.status !== 'pending' || !user.pendingUntil || !(user.pendingUntil > now.toISOString())) return false;
      users.set(userId, { ...user, status: 'active', pendingUntil: undefined });
      return true;
    },

    async deletePendingUser(userId) {
      if (users.get(userId)?.status !== 'pending') return false;
      users.delete(userId);
      return true;
    },

    async releaseClaim(identifier, userId) {
      if (claims.get(claimKey(identifier))?.userId === userId) claims.delete(claimKey(identifier));
    },

    async getUser(userId) {
      const user = users.get(userId);
      return user ? { ...user } : undefined;
    },

    async getClaim(identifier) {
      const claim = claims.get(claimKey(identifier));
      return claim ? { ...claim } : undefined;
    },

    async changePassword(userId, change) {
      const user = users.get(userId);
      if (user?.passwordHash !== change.oldHash || user.status !== 'active') return false;
      users.set(userId, { ...user, passwordHash: change.newHash, passwordChangedAt: change.changedAt.toISOString(), passwordChangedBy: change.changedBy });
      return true;
    },

    async replacePasswordHash(userId, oldHash, newHash) {
      const user = users.get(userId);
      if (user?.passwordHash === oldHash) users.set(userId, { ...user, passwordHash: newHash });
    },
  };
}
