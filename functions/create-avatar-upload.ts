import { randomUUID } from 'node:crypto';
import { authenticate } from '../lib/accounts/authenticate';
import { bearerToken } from './common/bearer-token';
import { jsendRoute } from './common/http-route';
import { success } from './common/responses';
import { avatarDeps } from './common/runtime/avatars';
import { sessionDeps } from './common/runtime/sessions';

/** Ten minutes to start the upload; the object is judged when it lands, whenever that is. */
const UPLOAD_WINDOW_SECONDS = 600;

export const handler = jsendRoute(async (event) => {
  const { user } = await authenticate(sessionDeps, bearerToken(event));
  const upload = await avatarDeps.objects.presignedUpload(user.id, randomUUID(), UPLOAD_WINDOW_SECONDS, avatarDeps.clock());
  return success(upload);
});
