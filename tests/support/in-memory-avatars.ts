import type { AvatarRepository } from '#lib/storage/avatar-repository';
import type { InMemoryUsers } from './in-memory-users';

/**
 * AvatarRepository over the users of an InMemoryUsers, as the real one works on the user item: the
 * version is set only while the user is active and only if it is greater than the current one
 * (the newest upload wins whatever order they finish in); a lost write says `gone` or `superseded`.
 */
export interface InMemoryAvatars extends AvatarRepository {
  /** `avatarChangedAt` per user (the version itself lives on the UserRecord, as on the item). */
  readonly changedAt: Map<string, string>;
  /** While set, every call throws it (an outage); `undefined` ends the outage. */
  failWith(error: Error | undefined): void;
}

export function createInMemoryAvatars(users: InMemoryUsers): InMemoryAvatars {
  const changedAt = new Map<string, string>();
  let failure: Error | undefined;

  return {
    changedAt,

    failWith(error) {
      failure = error;
    },

    async setAvatar(userId, version, at) {
      if (failure) throw failure;
      const user = users.users.get(userId);
      if (user?.status !== 'active') return { outcome: 'gone' };
      if (user.avatarVersion !== undefined && !(user.avatarVersion < version)) return { outcome: 'superseded' };
      users.users.set(userId, { ...user, avatarVersion: version });
      changedAt.set(userId, at.toISOString());
      return { outcome: 'set', previousVersion: user.avatarVersion };
    },

    async currentAvatar(userId) {
      if (failure) throw failure;
      const user = users.users.get(userId);
      return { active: user?.status === 'active', version: user?.avatarVersion, changedAt: user ? changedAt.get(userId) : undefined };
    },
  };
}
