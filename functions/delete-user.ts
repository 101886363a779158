import { authenticateForDeletion } from '../lib/accounts/authenticate';
import { deleteAccount } from '../lib/accounts/delete-account';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { deletionDeps } from './common/runtime/deletion';
import { sessionDeps } from './common/runtime/sessions';

/** 200 only once everything of the user is gone; on failure a JSend error, and calling again finishes the job. */
export const handler = jsendRoute(async (event) => {
  const userId = await authenticateForDeletion(sessionDeps, bearerToken(event));
  await deleteAccount(deletionDeps, userId);
  return success(null);
});
