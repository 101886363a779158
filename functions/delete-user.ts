import { setMaxListeners } from 'node:events';
import { deleteOwnAccount } from '#lib/accounts/delete-own-account';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { ownAccountDeletionDeps } from './common/runtime/deletion';

/**
 * What socket closing leaves of the function's time: the avatar objects, the items and the user item still
 * to delete (a few calls each, with the SDK's retries), and the answer. Past that, unclosed sockets are left to
 * the retry (a 503), rather than the function running out of time with its work half-done and no answer.
 */
const AFTER_SOCKETS_MS = 10_000;

/** 200 only once everything of the user is gone; otherwise a JSend error, and calling again finishes the job. */
export const handler = jsendRoute(async (event, context) => {
  await deleteOwnAccount(ownAccountDeletionDeps, bearerToken(event), () => {
    const remaining = context.getRemainingTimeInMillis();
    // (Half the time at least, should the function ever be given less than twice the reserve.)
    const socketsSignal = AbortSignal.timeout(Math.max(remaining - AFTER_SOCKETS_MS, remaining / 2));
    // Every socket call of the deletion waits on this one signal: hundreds of listeners are expected, not a leak.
    setMaxListeners(0, socketsSignal);
    return { socketsSignal };
  });
  return success(null);
});
