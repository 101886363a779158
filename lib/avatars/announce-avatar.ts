import { fanOut, type FanOutResult } from '../sockets/fan-out';
import { avatarUrl, type AvatarDeps } from './avatar-deps';
import { avatarKey } from './avatar-objects';

export type Announcement =
  | { readonly outcome: 'announced'; readonly delivery: FanOutResult }
  | { readonly outcome: 'superseded' } // a newer avatar is current (its own event announces it); this one is removed
  | { readonly outcome: 'orphan-removed' }; // nothing points at this object (deleted user, crashed upload)

// About ten seconds in all: the uploader's version write follows its object write within milliseconds,
// so only a crashed uploader leaves an object unclaimed that long.
const DEFAULT_SETTLE_DELAYS_MS = [50, 100, 200, 400, 800, 1500, 3000, 4000];

/**
 * Runs for every new object under avatars/ (the S3 event). The uploader writes the object first and
 * the user's avatar version second, so the event may arrive before that write: wait for it briefly.
 * Then remove the user's older avatar objects (whatever an upload's own clean-up missed) and tell
 * every socket of the user, or, if nothing will ever point at the object, remove it, so no upload that
 * raced a deletion, crashed or failed halfway leaves an object behind.
 */
export async function announceAvatar(deps: AvatarDeps, userId: string, version: string): Promise<Announcement> {
  for (const delay of [0, ...(deps.settleDelaysMs ?? DEFAULT_SETTLE_DELAYS_MS)]) {
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const current = await deps.avatars.currentAvatar(userId);
    if (!current.active) break;
    if (current.version === version) {
      // Before anyone is told: if this fails the event is retried, and nobody is told twice.
      await deps.objects.deleteVersionsBefore(userId, version);
      const delivery = await fanOut(deps, userId, {
        type: 'avatar.changed',
        data: { userId, avatarUrl: avatarUrl(deps.publicBaseUrl, userId, version), changedAt: current.changedAt },
      });
      return { outcome: 'announced', delivery };
    }
    if (current.version && current.version > version) {
      // Versions only move forward, so this one can never become current: its uploader's clean-up may have failed.
      await deps.objects.delete(avatarKey(userId, version));
      return { outcome: 'superseded' };
    }
  }
  await deps.objects.delete(avatarKey(userId, version));
  return { outcome: 'orphan-removed' };
}
