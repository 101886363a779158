import type { SessionDeps } from './account-deps';
import { authenticateForDeletion } from './authenticate';
import { deleteAccount, type DeletionDeps, type DeletionOptions } from './delete-account';

export interface OwnAccountDeletionDeps {
  readonly session: SessionDeps;
  readonly deletion: DeletionDeps;
}

/**
 * `DELETE /api/user`: the caller's account and everything of it. The options are made once the caller is
 * known, so a deadline they carry starts with the deletion, not with the request.
 */
export async function deleteOwnAccount(deps: OwnAccountDeletionDeps, accessToken: string, options: () => DeletionOptions): Promise<void> {
  const userId = await authenticateForDeletion(deps.session, accessToken);
  await deleteAccount(deps.deletion, userId, options());
}
