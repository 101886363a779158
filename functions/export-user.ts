import { exportAccount } from '#lib/accounts/export-account';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { jsend } from './common/responses';
import { exportDeps } from './common/runtime/account-export';

/** A browser that follows a link to it saves the answer as a file rather than showing it. */
export const handler = jsendRoute(async (event) => {
  const data = await exportAccount(exportDeps, bearerToken(event));
  return jsend(200, { status: 'success', data }, { 'content-disposition': `attachment; filename="halo-account-${data.export.account.id}.json"` });
});
