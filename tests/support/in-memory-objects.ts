import { AVATARS_PREFIX, avatarKey, parseObjectKey, UPLOADS_PREFIX, type AvatarObjects } from '#lib/avatars/avatar-objects';
import { AVATAR_RULES } from '#lib/avatars/normalise-avatar';

type Method = 'putAvatar' | 'read' | 'delete' | 'deleteAllOf' | 'deleteVersionsBefore' | 'presignedGet' | 'presignedUpload';

/**
 * AvatarObjects as a Map of key → bytes. Every call is logged in `calls` (`method key-or-user`), and
 * any method can be made to throw (an S3 outage) until the failure is cleared.
 */
export interface InMemoryObjects extends AvatarObjects {
  readonly objects: Map<string, Uint8Array>;
  readonly calls: string[];
  /** Makes `method` throw `error` on every call until called again with `undefined`. */
  failWith(method: Method, error: Error | undefined): void;
  /** The keys under `prefix`, sorted (as S3 lists them). */
  keys(prefix?: string): string[];
}

export function createInMemoryObjects(): InMemoryObjects {
  const objects = new Map<string, Uint8Array>();
  const calls: string[] = [];
  const failures = new Map<Method, Error>();

  const enter = (method: Method, subject: string) => {
    calls.push(`${method} ${subject}`);
    const failure = failures.get(method);
    if (failure) throw failure;
  };
  const keys = (prefix = '') => [...objects.keys()].filter((key) => key.startsWith(prefix)).sort();

  return {
    objects,
    calls,
    keys,

    failWith(method, error) {
      if (error) failures.set(method, error);
      else failures.delete(method);
    },

    async putAvatar(userId, version, avatar) {
      const key = avatarKey(userId, version);
      enter('putAvatar', key);
      objects.set(key, Uint8Array.from(avatar.data));
      return key;
    },

    async read(key, maxBytes) {
      enter('read', key);
      const bytes = objects.get(key);
      if (!bytes) return 'missing';
      if (bytes.byteLength > maxBytes) return 'too large';
      return Uint8Array.from(bytes);
    },

    async delete(key) {
      enter('delete', key);
      objects.delete(key);
    },

    async deleteAllOf(userId) {
      enter('deleteAllOf', userId);
      const doomed = [...keys(`${AVATARS_PREFIX}${userId}/`), ...keys(`${UPLOADS_PREFIX}${userId}/`)];
      for (const key of doomed) objects.delete(key);
      return doomed.length;
    },

    async deleteVersionsBefore(userId, version) {
      enter('deleteVersionsBefore', `${userId} ${version}`);
      const doomed = keys(`${AVATARS_PREFIX}${userId}/`).filter((key) => (parseObjectKey(key)?.id ?? version) < version);
      for (const key of doomed) objects.delete(key);
      return doomed.length;
    },

    async presignedGet(key, expiresInSeconds) {
      enter('presignedGet', key);
      return `https://objects.test/${key}?expires=${expiresInSeconds}`;
    },

    async presignedUpload(userId, uploadId, expiresInSeconds, now) {
      enter('presignedUpload', `${UPLOADS_PREFIX}${userId}/${uploadId}`);
      return {
        url: 'https://objects.test/',
        fields: { key: `${UPLOADS_PREFIX}${userId}/${uploadId}` },
        expiresAt: new Date(now.getTime() + expiresInSeconds * 1000).toISOString(),
        maxBytes: AVATAR_RULES.maxBytes,
      };
    },
  };
}
