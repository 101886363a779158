import type { DeletionDeps } from '#lib/accounts/delete-account';
import type { OwnAccountDeletionDeps } from '#lib/accounts/delete-own-account';
import { createOwnedItemsRepository } from '#lib/storage/owned-items';
import { createPendingDeletionsRepository } from '#lib/storage/pending-deletions-repository';
import { avatarObjects } from './avatars';
import { dynamodb, tableName } from './dynamodb';
import { connections } from './connections';
import { sockets } from './management-api';
import { sessionDeps } from './sessions';

export const deletionDeps: DeletionDeps = {
  users: sessionDeps.users,
  ownedItems: createOwnedItemsRepository(dynamodb, tableName),
  connections,
  sockets,
  objects: avatarObjects,
  pendingDeletions: createPendingDeletionsRepository(dynamodb, tableName),
  clock: sessionDeps.clock,
};

/** `DELETE /api/user`: the caller is authenticated with the session deps, then deleted with the above. */
export const ownAccountDeletionDeps: OwnAccountDeletionDeps = { session: sessionDeps, deletion: deletionDeps };
