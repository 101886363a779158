import { HaloError } from '../errors';
import { assertAcceptablePassword, assertPasswordLength } from '../passwords/password-policy';
import { admitLogin, forgiveLogin, loginCounters, recordLoginFailure, type LoginThrottle } from '../throttling/login-throttle';
import type { AccountDeps } from './account-deps';
import { authenticate } from './authenticate';
import { endSession } from './end-session';
import { toUserView } from './user-view';
import { identifiersOf } from '../storage/users-repository';

export interface PasswordChangeDeps {
  readonly account: AccountDeps;
  /** The login back-off: a wrong current password counts as a failed login of the account's identifier. */
  readonly throttle: LoginThrottle;
  /** Tells the user's remaining sockets (`password.changed`); best effort, a failure never fails the change. */
  readonly announce?: (userId: string, message: unknown) => Promise<unknown>;
}

export interface PasswordChange {
  readonly currentPassword: string;
  readonly newPassword: string;
}

/** The policy's refusals name `password`; here the field at fault is `newPassword`. */
async function assertAcceptableNewPassword(password: string, identifierKeys: readonly string[]): Promise<void> {
  try {
    await assertAcceptablePassword(password, identifierKeys);
  } catch (error) {
    if (error instanceof HaloError && error.fields.password) throw new HaloError(error.code, { newPassword: error.fields.password });
    throw error;
  }
}

/**
 * `POST /api/user/password`. The current password is asked again (a stolen access token alone must not take
 * the account over) behind the login back-off, exactly as a login of the account's main identifier from the
 * same source: a wrong one counts as a failed login, and a backed-off caller is refused with the same 429
 * before any KDF run. The new password passes sign-up's policy.
 *
 * Every other session ends at once: the new hash, `passwordChangedAt` and `passwordChangedBy` (the caller's
 * session) are one conditional write, and authentication, refresh and socket delivery refuse every other
 * session created before it (lib/accounts/session-standing.ts). Then the other sessions the byUser index
 * lists are revoked (`password_changed`) and their sockets told and closed; the caller's stays signed in.
 */
export async function changePassword(
  deps: PasswordChangeDeps,
  accessToken: string,
  request: PasswordChange | (() => PasswordChange),
  sourceAddress: string | undefined,
): Promise<{ endedSessions: number }> {
  const { account } = deps;
  const { user, claims } = await authenticate(account, accessToken);
  // The body is read only for an authenticated caller (as the avatar upload does): a bad token is a 401 whatever it carries.
  const input = typeof request === 'function' ? request() : request;
  // Refusals that need no KDF run come first: they reveal nothing about the current password.
  if (input.newPassword === input.currentPassword) {
    throw new HaloError('weak_password', { newPassword: 'must differ from the current password' });
  }
  // None of the account's identifiers (it may have several: lib/accounts/add-identifier.ts).
  await assertAcceptableNewPassword(input.newPassword, Object.values(identifiersOf(user)).flatMap((entry) => (entry ? [entry.key] : [])));

  // Counted as a login by the identifier the account shows first (its sign-up identifier while it keeps it).
  const counters = await loginCounters(toUserView(user, account.settings.publicBaseUrl).identifier, sourceAddress);
  await admitLogin(deps.throttle, counters);
  let valid = false;
  try {
    assertPasswordLength(input.currentPassword);
    ({ valid } = await account.passwords.verify(input.currentPassword, user.passwordHash));
  } catch (error) {
    // Too short or too long cannot be the current password: a wrong one, after the same KDF work.
    if (!(error instanceof HaloError)) throw error;
    await account.passwords.verifyAgainstNothing(input.currentPassword.slice(0, 256));
  }
  if (!valid) {
    await recordLoginFailure(deps.throttle, counters);
    throw new HaloError('wrong_password', { currentPassword: 'is wrong' });
  }
  await forgiveLogin(deps.throttle, counters);

  const newHash = await account.passwords.hash(input.newPassword);
  const changedAt = account.clock();
  const changed = await account.users.changePassword(user.id, { oldHash: user.passwordHash, newHash, changedAt, changedBy: claims.sessionId });
  if (!changed) {
    throw new HaloError('conflict', { currentPassword: 'the password was changed by another request meanwhile; sign in again' });
  }

  // From here the change stands and every other session is already refused; what follows tidies up and tells.
  const others = (await account.sessions.listSessions(user.id).catch(() => []))
    .filter((session) => session.id !== claims.sessionId && !session.revokedAt && session.userId === user.id);
  const ended = await Promise.allSettled(
    others.map((session) => endSession(account, { userId: user.id, sessionId: session.id }, changedAt, 'password_changed')),
  );
  await deps.announce?.(user.id, { type: 'password.changed', data: { changedAt: changedAt.toISOString() } }).catch(() => undefined);
  return { endedSessions: ended.filter((outcome) => outcome.status === 'fulfilled').length };
}
