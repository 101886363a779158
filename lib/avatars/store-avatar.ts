import { HaloError } from '../errors';
import type { SetAvatarOutcome } from '../storage/avatar-repository';
import type { AvatarStoreDeps } from './avatar-deps';
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
 *
 * Outages: a failed object write removes what it may have stored. A failed version write is read back,
 * since its reply may be lost after it was applied: if the version is current the upload succeeded
 * (and must keep its object), if not its object is removed, and if even the read fails the object is
 * left for its S3 event to judge (announced if current, removed if not). Removing the previous object
 * is best effort for the same reason: the announcement of the new one sweeps older versions.
 */
export async function storeAvatar(deps: AvatarStoreDeps, userId: string, bytes: Uint8Array): Promise<StoredAvatar> {
  const avatar = await normaliseAvatar(bytes);
  const now = deps.clock();
  const version = newAvatarVersion(now);
  const key = avatarKey(userId, version);
  try {
    await deps.objects.putAvatar(userId, version, avatar);
  } catch (error) {
    await deps.objects.delete(key).catch(() => undefined); // the announcer removes it if this fails too
    throw error;
  }

  const result = await setVersion(deps, userId, version, now, key);
  if (result.outcome !== 'set') {
    await deps.objects.delete(key);
    throw result.outcome === 'gone'
      ? new HaloError('account_gone', { accessToken: 'the account no longer exists' })
      : new HaloError('conflict', { avatar: 'a newer avatar was set while this one was being processed' });
  }
  if (result.previousVersion) {
    await deps.objects.delete(avatarKey(userId, result.previousVersion)).catch(() => undefined);
  }
  return { avatarUrl: avatarUrl(deps.publicBaseUrl, userId, version), changedAt: now.toISOString() };
}

async function setVersion(deps: AvatarStoreDeps, userId: string, version: string, now: Date, key: string): Promise<SetAvatarOutcome> {
  try {
    return await deps.avatars.setAvatar(userId, version, now);
  } catch (error) {
    const current = await deps.avatars.currentAvatar(userId).catch(() => undefined);
    // Applied after all: the previous version is unknown here, and the announcement sweeps it.
    if (current?.version === version) return { outcome: 'set', previousVersion: undefined };
    if (current) await deps.objects.delete(key).catch(() => undefined);
    throw error;
  }
}
