import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/**
 * Test-only: reads the WHOLE table (a Scan) and the WHOLE bucket (a listing), and names everything
 * that is not reachable from a live user, or that a live user reaches but is broken. No request path
 * may do this (it grows with all users); tests do it to prove that a failure, a retry or a race left
 * nothing behind.
 *
 * Orphans: a pending user past its sign-up window, a user stuck in `deleting`, an identifier claim
 * without its user, a session or refresh token or connection record of a user that is not active, a
 * refresh token of a session that is gone, a session without any refresh token, an avatar object that
 * is not its user's current version, any raw upload left under uploads/, an upload grant of a user that is
 * not active, and a grant claimed by an upload that is no longer there (processed, but not consumed).
 * An unclaimed grant is a form not used (yet): DynamoDB's TTL removes it, like an expired token. A sign-up inside its
 * pending window counts as in progress: its user, claim and session are not orphans yet.
 * A claim whose active user does not list it (an add or a removal left half-done) is an orphan too, unless it is an
 * add's claim inside its `pendingUntil` (in progress).
 * Broken: an active user one of whose identifiers has its claim missing or pointing elsewhere (nobody can log in
 * by it, or someone else would), whose
 * avatar version has no object (the avatar URL would answer 404), or who holds a socket slot without its
 * connection record (a place under the socket cap that nothing frees until the cap is reached).
 *
 * Item kinds this scan does not know (other features' items) are left alone.
 */

export interface OrphanScanInput {
  readonly items: readonly Record<string, unknown>[];
  readonly objectKeys: readonly string[];
  /** Pending users whose window ended before this are orphans; pass a time past the window to count every one. */
  readonly now: Date;
  /** When given, a connection record whose id is not in it (a socket that is gone) is an orphan too. */
  readonly liveConnectionIds?: ReadonlySet<string>;
}

/** [type, key] of every identifier a user item lists: its `identifiers` map, or (older items) its sign-up identifier. */
function listedIdentifiers(user: Record<string, unknown>): [string, string][] {
  const map = user.identifiers as Record<string, { key: string }> | undefined;
  if (!map) return [[String(user.identifierType), String(user.identifierKey)]];
  return Object.entries(map).map(([type, entry]) => [type, String(entry.key)]);
}

export function findOrphans({ items, objectKeys, now, liveConnectionIds }: OrphanScanInput): string[] {
  const found: string[] = [];
  const users = new Map<string, Record<string, unknown>>();
  for (const item of items) if (item.sk === 'USER') users.set(String(item.id), item);
  // A sign-up inside its pending window is still in progress (or its process died and TTL will remove it).
  const live = (userId: unknown) => {
    const user = users.get(String(userId));
    return user?.status === 'active' || (user?.status === 'pending' && String(user.pendingUntil) > now.toISOString());
  };
  const active = (userId: unknown) => users.get(String(userId))?.status === 'active';
  const sessionsWithTokens = new Set<string>();
  const sessions = new Set<string>();
  for (const item of items) {
    if (item.sk === 'RTF') sessions.add(String(item.id));
    if (item.sk === 'RT') sessionsWithTokens.add(String(item.sessionId));
  }

  for (const item of items) {
    const pk = String(item.pk);
    switch (item.sk) {
      case 'USER':
        if (item.status === 'pending' && String(item.pendingUntil) <= now.toISOString()) found.push(`${pk}: pending user past its sign-up window`);
        if (item.status === 'deleting') found.push(`${pk}: user left half-deleted`);
        if (item.status === 'active') {
          for (const [type, key] of listedIdentifiers(item)) {
            const claim = items.find((other) => other.pk === `IDENT#${type}#${key}`);
            if (claim?.userId !== item.id) found.push(`${pk}: active user whose identifier claim is missing or elsewhere${type === item.identifierType ? '' : ` (${type})`}`);
          }
          // A socket slot (lib/storage/connections-repository.ts) whose connection record is gone takes a place under the cap.
          for (const connectionId of Object.keys((item.sockets as Record<string, unknown> | undefined) ?? {})) {
            if (!items.some((other) => other.pk === `CONN#${connectionId}` && other.userId === item.id)) found.push(`${pk}: socket slot ${connectionId} without its connection record`);
          }
        }
        break;
      case 'IDENT': {
        const holder = users.get(String(item.userId));
        if (!holder) found.push(`${pk}: identifier claim without a user`);
        else if (holder.status === 'deleting') found.push(`${pk}: identifier claim of a user being deleted`);
        else if (holder.status === 'active' && !listedIdentifiers(holder).some(([type, key]) => pk === `IDENT#${type}#${key}`)) {
          if (!(item.pendingUntil !== undefined && String(item.pendingUntil) > now.toISOString())) found.push(`${pk}: identifier claim its user does not list`);
        }
        break;
      }
      case 'RTF':
        if (!live(item.userId)) found.push(`${pk}: session of a user that is not active`);
        if (!sessionsWithTokens.has(String(item.id))) found.push(`${pk}: session without any refresh token`);
        break;
      case 'RT':
        if (!live(item.userId)) found.push(`${pk}: refresh token of a user that is not active`);
        if (!sessions.has(String(item.sessionId))) found.push(`${pk}: refresh token whose session is gone`);
        break;
      case 'UPLOAD':
        if (!active(item.userId)) found.push(`${pk}: upload grant of a user that is not active`);
        else if (item.claimedBy !== undefined && !objectKeys.includes(`uploads/${String(item.userId)}/${String(item.uploadId)}`)) {
          found.push(`${pk}: upload grant claimed by an upload that is gone`);
        }
        break;
      case 'CONN':
        if (!active(item.userId)) found.push(`${pk}: connection record of a user that is not active`);
        else if (liveConnectionIds && !liveConnectionIds.has(String(item.connectionId))) found.push(`${pk}: connection record of a closed socket`);
        break;
      default:
        break; // not an item kind this scan knows
    }
  }

  const keys = new Set(objectKeys);
  for (const key of objectKeys) {
    const avatar = /^avatars\/([^/]+)\/([^/]+)\.webp$/.exec(key);
    if (avatar) {
      const user = users.get(avatar[1] ?? '');
      if (user?.status !== 'active' || user.avatarVersion !== avatar[2]) found.push(`${key}: avatar object that is not its user's current version`);
    } else if (key.startsWith('uploads/')) {
      found.push(`${key}: raw upload left behind`);
    } else {
      found.push(`${key}: object Halo never writes`);
    }
  }
  for (const user of users.values()) {
    if (user.status === 'active' && user.avatarVersion && !keys.has(`avatars/${String(user.id)}/${String(user.avatarVersion)}.webp`)) {
      found.push(`USER#${String(user.id)}: avatar version ${String(user.avatarVersion)} has no object`);
    }
  }
  return found;
}

/** Every key in the bucket, page by page. */
export async function listAllKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}
