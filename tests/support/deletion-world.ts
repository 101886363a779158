import { register } from '#lib/accounts/register';
import { avatarKey, uploadKey } from '#lib/avatars/avatar-objects';
import { accountFixture } from './account-fixture';
import { createFakeSocketSender } from './fake-socket-sender';
import { createInMemoryConnections } from './in-memory-connections';
import { createInMemoryObjects } from './in-memory-objects';
import { createInMemoryOwnedItems } from './in-memory-owned-items';
import { createInMemoryPendingDeletions } from './in-memory-pending-deletions';

/**
 * Alice and Bob for the deletion unit tests, each signed up (claim, session, refresh token), with open sockets
 * (`a1`, `a2`… for Alice, `b1` for Bob) and stored objects (Alice: an avatar and a pending upload; Bob: an avatar),
 * on in-memory stores. The caller assembles the DeletionDeps it needs from them (journaled or not).
 */
export async function aliceAndBob(options: { aliceSockets?: number } = {}) {
  const fixture = await accountFixture();
  const alice = (await register(fixture.deps, { identifier: 'alice@example.com', password: 'plum-lantern-orbit-47' })).user.id;
  const bob = (await register(fixture.deps, { identifier: 'bob@example.com', password: 'plum-lantern-orbit-48' })).user.id;
  const { users, sessions, clock } = fixture;
  const connections = createInMemoryConnections();
  const objects = createInMemoryObjects();
  const sockets = createFakeSocketSender();
  const ownedItems = createInMemoryOwnedItems({ users, sessions, connections });
  const pendingDeletions = createInMemoryPendingDeletions();
  const aliceSockets = Array.from({ length: options.aliceSockets ?? 2 }, (_, i) => [`a${i + 1}`, alice] as const);
  for (const [connectionId, userId] of [...aliceSockets, ['b1', bob] as const]) {
    await connections.put({ connectionId, userId, connectedAt: clock().toISOString() });
  }
  for (const key of [avatarKey(alice, 'v1'), uploadKey(alice, 'u1'), avatarKey(bob, 'v1')]) objects.objects.set(key, new Uint8Array([1]));
  return { ...fixture, connections, objects, sockets, ownedItems, pendingDeletions, alice, bob };
}
