import { avatarUrl } from '../avatars/avatar-deps';
import type { IdentifierType } from '../identifiers/parse-identifier';
import { identifiersOf, type UserRecord } from '../storage/users-repository';

/** One identifier of the account as the user sees it. */
export interface IdentifierView {
  readonly type: IdentifierType;
  readonly value: string;
  readonly addedAt: string;
}

/** The public shape of a user: never the hash, the status or any key. */
export interface UserView {
  readonly id: string;
  /** The sign-up identifier while the account keeps it, else the first of `identifiers` (kept for older clients). */
  readonly identifier: string;
  readonly identifierType: UserRecord['identifierType'];
  /** Every identifier of the account, oldest first. */
  readonly identifiers: readonly IdentifierView[];
  readonly avatarUrl: string | null;
  readonly registeredAt: string;
}

const TYPE_ORDER: Record<IdentifierType, number> = { nickname: 0, email: 1, phone: 2 };

/** The account's identifiers, oldest first (by type when added at the same instant). */
export function identifierViews(user: UserRecord): IdentifierView[] {
  return Object.entries(identifiersOf(user))
    .flatMap(([type, entry]) => (entry ? [{ type: type as IdentifierType, value: entry.display, addedAt: entry.addedAt }] : []))
    .sort((a, b) => a.addedAt.localeCompare(b.addedAt) || TYPE_ORDER[a.type] - TYPE_ORDER[b.type]);
}

export function toUserView(user: UserRecord, publicBaseUrl: string): UserView {
  const identifiers = identifierViews(user);
  const signUp = identifiersOf(user)[user.identifierType];
  const main = signUp?.key === user.identifierKey ? { type: user.identifierType, value: signUp.display } : identifiers[0];
  return {
    id: user.id,
    identifier: main?.value ?? user.identifier,
    identifierType: main?.type ?? user.identifierType,
    identifiers,
    avatarUrl: user.avatarVersion ? avatarUrl(publicBaseUrl, user.id, user.avatarVersion) : null,
    registeredAt: user.registeredAt,
  };
}
