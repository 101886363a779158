import { authenticateForDeletion } from '../lib/accounts/authenticate';
import { deleteAccount } from '../lib/accounts/delete-account';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { accountDeps } from './common/runtime/accounts';
import { deletionDeps } from './common/runtime/deletion';

/** 200 only once everything of the user is gone; on failure a JSend error, and calling again finishes the job. */
export const handler = jsendRoute(async (event) => {
  const userId = await authenticateForDeletion(accountDeps, bearerToken(event));
  await deleteAccount(deletionDeps, userId);
  return success(null);
});
