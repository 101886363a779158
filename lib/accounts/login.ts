import { HaloError } from '../errors';
import { parseIdentifier } from '../identifiers/parse-identifier';
import { assertPasswordLength } from '../passwords/password-policy';
import type { AccountDeps } from './account-deps';
import { holds } from './identifier-claims';
import { startSession, type TokenPair } from './sessions';
import { toUserView, type UserView } from './user-view';

export interface Credentials {
  readonly identifier: string;
  readonly password: string;
  readonly clientId?: string;
}

const invalidCredentials = () =>
  new HaloError('invalid_credentials', { credentials: 'the identifier or the password is wrong' });

/**
 * Unknown identifier, unusable account and wrong password all end in the same error after the same
 * work: one claim read, one user read and one full argon2id verification. Any identifier of the account logs in,
 * but a claim counts only if its user is active and lists that identifier (identifier-claims.ts `holds`): a
 * claim an unfinished add or removal left behind opens nothing.
 */
export async function login(deps: AccountDeps, input: Credentials): Promise<{ user: UserView; tokens: TokenPair }> {
  let identifier;
  try {
    identifier = await parseIdentifier(input.identifier);
    assertPasswordLength(input.password);
  } catch {
    // A malformed identifier or password cannot belong to an account; saying which would only help guessing.
    await deps.passwords.verifyAgainstNothing(input.password.slice(0, 256));
    throw invalidCredentials();
  }

  // The session counts as created before the user is read: a password change committed after this read (the
  // old password verified below) ends the session at once (lib/accounts/session-standing.ts).
  const startedAt = deps.clock();
  const claim = await deps.users.getClaim(identifier);
  const user = claim ? await deps.users.getUser(claim.userId) : await deps.users.getUser(deps.newId());
  if (!user || !holds(user, identifier)) {
    await deps.passwords.verifyAgainstNothing(input.password);
    throw invalidCredentials();
  }

  const { valid, needsRehash } = await deps.passwords.verify(input.password, user.passwordHash);
  if (!valid) throw invalidCredentials();
  if (needsRehash) {
    await deps.users.replacePasswordHash(user.id, user.passwordHash, await deps.passwords.hash(input.password));
  }

  const tokens = await startSession(deps, user.id, input.clientId ?? deps.settings.defaultClientId, { startedAt });
  return { user: toUserView(user, deps.settings.publicBaseUrl), tokens };
}
