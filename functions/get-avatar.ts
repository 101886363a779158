import { AVATAR_VERSION } from '#lib/avatars/avatar-version';
import { avatarKey } from '#lib/avatars/avatar-objects';
import { HaloError } from '#lib/errors';
import { jsendRoute } from './common/http-route';
import { avatarDeps } from './common/runtime/avatars';

const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The redirect target lives this long; the redirect itself is cached for less, so it never points at a dead URL. */
const PRESIGNED_SECONDS = 300;
const REDIRECT_CACHE_SECONDS = 60;

/**
 * The lasting, public avatar URL: a redirect to a short-lived presigned S3 URL. Only the user's current
 * version answers; an old version, a deleted user or a made-up path is a 404.
 */
export const handler = jsendRoute(async (event) => {
  const { userId = '', version = '' } = event.pathParameters ?? {};
  const notFound = () => new HaloError('not_found', { avatar: 'no such avatar' });
  if (!USER_ID.test(userId) || !AVATAR_VERSION.test(version)) throw notFound();
  const current = await avatarDeps.avatars.currentAvatar(userId);
  if (!current.active || current.version !== version) throw notFound();
  return {
    statusCode: 302,
    headers: {
      location: await avatarDeps.objects.presignedGet(avatarKey(userId, version), PRESIGNED_SECONDS),
      'cache-control': `public, max-age=${REDIRECT_CACHE_SECONDS}`,
      // An <img> on any site must be able to show it.
      'cross-origin-resource-policy': 'cross-origin',
    },
  };
});
