import { HaloError } from '../errors';
import type { SessionRecord } from '../storage/sessions-repository';
import type { UserRecord } from '../storage/users-repository';
import type { AccessTokenClaims } from '../tokens/access-tokens';
import type { SessionDeps } from './account-deps';
import { endedByPasswordChange } from './session-standing';

const invalidToken = () => new HaloError('invalid_token', { accessToken: 'the access token is invalid or has expired' });

/** An active user, and a live session of that user (not revoked, not ended by a password change). */
const stands = (user: UserRecord | undefined, session: SessionRecord | undefined): user is UserRecord =>
  user?.status === 'active' && session !== undefined && !session.revokedAt && session.userId === user.id && !endedByPasswordChange(user, session);

/**
 * The signature is checked statelessly; then one BatchGet confirms the user and the session still
 * stand. That read is what makes revocation and deletion take effect at once instead of when the
 * token expires (Cognito's gap), and since `sub` is a random user id, a new account with the same
 * identifier never inherits an old account's tokens.
 */
export async function authenticate(deps: SessionDeps, accessToken: string): Promise<{ user: UserRecord; claims: AccessTokenClaims }> {
  const claims = await deps.accessTokens.verify(accessToken, deps.clock());
  const { user, session } = await deps.sessions.getUserAndSession(claims.userId, claims.sessionId);
  if (!stands(user, session)) throw invalidToken();
  return { user, claims };
}

/**
 * For `DELETE /api/user` only: an account already being deleted may finish its own deletion (a retry
 * after a failure), even though its sessions may be gone by then. The signature is still required.
 */
export async function authenticateForDeletion(deps: SessionDeps, accessToken: string): Promise<string> {
  const claims = await deps.accessTokens.verify(accessToken, deps.clock());
  const { user, session } = await deps.sessions.getUserAndSession(claims.userId, claims.sessionId);
  if (user?.status === 'deleting') return user.id;
  if (!stands(user, session)) throw invalidToken();
  return user.id;
}
