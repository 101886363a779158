import type { SessionDeps } from '../accounts/account-deps';
import { authenticate } from '../accounts/authenticate';
import { toUserView, type UserView } from '../accounts/user-view';
import type { AvatarStoreDeps } from './avatar-deps';
import { storeAvatar } from './store-avatar';

export interface ChangeAvatarDeps {
  readonly session: SessionDeps;
  readonly avatars: AvatarStoreDeps;
}

/**
 * `POST /api/user/avatar`: the caller's new avatar, judged and stored. The image is read only once the
 * caller is known, so a request without a good token is refused before its body is looked at.
 */
export async function changeAvatar(
  deps: ChangeAvatarDeps,
  accessToken: string,
  image: () => Promise<Uint8Array>,
): Promise<{ avatarUrl: string; user: UserView }> {
  const { user } = await authenticate(deps.session, accessToken);
  const { avatarUrl } = await storeAvatar(deps.avatars, user.id, await image());
  return { avatarUrl, user: { ...toUserView(user, deps.session.settings.publicBaseUrl), avatarUrl } };
}
