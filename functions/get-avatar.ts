import { avatarRedirect } from '#lib/avatars/avatar-redirect';
import { jsendRoute } from './common/http-route';
import { avatarReadDeps } from './common/runtime/avatars';

/** The redirect target lives this long; the redirect itself is cached for less, so it never points at a dead URL. */
const PRESIGNED_SECONDS = 300;
const REDIRECT_CACHE_SECONDS = 60;

/**
 * The lasting, public avatar URL: a redirect to a short-lived presigned S3 URL. Only the user's current
 * version answers; an old version, a deleted user or a made-up path is a 404.
 */
export const handler = jsendRoute(async (event) => {
  const { userId = '', version = '' } = event.pathParameters ?? {};
  // A CORS request (<img crossorigin>, fetch()) carries an Origin; a plain <img> does not, and gets no CORS
  // answer. `Vary: Origin` keeps browsers from answering one kind with the other's cached redirect, and each
  // kind is sent to an S3 URL of its own, whose cached answer has (or lacks) CORS headers to match.
  const location = await avatarRedirect(avatarReadDeps, userId, version, PRESIGNED_SECONDS, { forCors: Boolean(event.headers?.origin) });
  return {
    statusCode: 302,
    headers: {
      location,
      'cache-control': `public, max-age=${REDIRECT_CACHE_SECONDS}`,
      vary: 'origin',
      // An <img> on any site must be able to show it.
      'cross-origin-resource-policy': 'cross-origin',
    },
  };
});
