import type { ExportDeps } from '#lib/accounts/export-account';
import { createOwnedItemsRepository } from '#lib/storage/owned-items';
import { dynamodb, tableName } from './dynamodb';
import { sessionDeps } from './sessions';

/** What `GET /api/user/export` needs: a verifying function's session deps, and every item of the user. */
export const exportDeps: ExportDeps = { ...sessionDeps, ownedItems: createOwnedItemsRepository(dynamodb, tableName) };
