import { requestUpload } from '#lib/avatars/request-upload';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { uploadRequestDeps } from './common/runtime/avatar-changes';

export const handler = jsendRoute(async (event) => success(await requestUpload(uploadRequestDeps, bearerToken(event))));
