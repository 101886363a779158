import { avatarUrl } from '../avatars/avatar-deps';
import type { UserRecord } from '../storage/users-repository';

/** The public shape of a user: never the hash, the status or any key. */
export interface UserView {
  readonly id: string;
  readonly identifier: string;
  readonly identifierType: UserRecord['identifierType'];
  readonly avatarUrl: string | null;
  readonly registeredAt: string;
}

export const toUserView = (user: UserRecord, publicBaseUrl: string): UserView => ({
  id: user.id,
  identifier: user.identifier,
  identifierType: user.identifierType,
  avatarUrl: user.avatarVersion ? avatarUrl(publicBaseUrl, user.id, user.avatarVersion) : null,
  registeredAt: user.registeredAt,
});
