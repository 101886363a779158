import type { DeletionDeps } from '#lib/accounts/delete-account';
import { createOwnedItemsRepository } from '#lib/storage/owned-items';
import { createPendingDeletionsRepository } from '#lib/storage/pending-deletions-repository';
import { avatarObjects } from './avatars';
import { connections } from './connections';
import { dynamodb, tableName } from './dynamodb';
import { sockets } from './management-api';
import { users } from './users';

/**
 * The finisher's deletion deps: the same repositories as DELETE /api/user (./deletion.ts), without the session
 * deps, which would load signing keys this function has no access to (it verifies no token).
 */
export const finisherDeps: DeletionDeps = {
  users,
  ownedItems: createOwnedItemsRepository(dynamodb, tableName),
  connections,
  sockets,
  objects: avatarObjects,
  pendingDeletions: createPendingDeletionsRepository(dynamodb, tableName),
  clock: () => new Date(),
};
