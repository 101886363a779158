import { HaloError } from '../errors';
import type { AvatarDeps } from './avatar-deps';
import { avatarUrl } from './avatar-deps';
import { avatarKey } from './avatar-objects';
import { newAvatarVersion } from './avatar-version';
import { normaliseAvatar } from './normalise-avatar';

export interface StoredAvatar {
  readonly avatarUrl: string;
  readonly changedAt: string;
}

/**
 * Both upload paths end here: judge and normalise the bytes, store the clean copy under a new version,
 * then make it the user's avatar with one conditional write. The object is written first so the avatar
 * never points at nothing; if the write then loses (a newer upload, or the account being deleted), the
 * object is removed again. The previous avatar's object is removed once the new one is in place.
 * Sockets are told by the function that the object's S3 event triggers (see announce-avatar.ts).
 */
export async function storeAvatar(deps: AvatarDeps, userId: string, bytes: Uint8Array): Promise<StoredAvatar> {
  const avatar = await normaliseAvatar(bytes);
  const now = deps.clock();
  const version = newAvatarVersion(now);
  const key = await deps.objects.putAvatar(userId, version, avatar);

  let result;
  try {
    result = await deps.avatars.setAvatar(userId, version, now);
  } catch (error) {
    await deps.objects.delete(key).catch(() => undefined); // the announcer removes it if this fails too
    throw error;
  }
  if (result.outcome !== 'set') {
    await deps.objects.delete(key);
    throw result.outcome === 'gone'
      ? new HaloError('invalid_token', { authorization: 'the account no longer exists' })
      : new HaloError('conflict', { avatar: 'a newer avatar was set while this one was being processed' });
  }
  if (result.previousVersion) {
    await deps.objects.delete(avatarKey(userId, result.previousVersion));
  }
  return { avatarUrl: avatarUrl(deps.publicBaseUrl, userId, version), changedAt: now.toISOString() };
}
