import type { SessionDeps } from './account-deps';
import { authenticate } from './authenticate';
import { toUserView, type UserView } from './user-view';

/** `GET /api/user`: the caller's profile, as the access token names them. */
export async function getProfile(deps: SessionDeps, accessToken: string): Promise<{ user: UserView }> {
  const { user } = await authenticate(deps, accessToken);
  return { user: toUserView(user, deps.settings.publicBaseUrl) };
}
