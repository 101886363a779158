import { addSeconds } from './time';
import type { SessionDeps } from './account-deps';
import { hashRefreshToken, newRefreshToken } from '../tokens/refresh-token-secret';

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
}

/** A new login: a new token family, its first refresh token and an access token bound to it. */
export async function startSession(deps: SessionDeps, userId: string, clientId: string): Promise<TokenPair> {
  return (await openSession(deps, userId, clientId)).tokens;
}

/**
 * `startSession`, plus a way to take the session back (sign-up opens it before activating the user, and
 * removes it if the activation fails). A failure on the way removes what was written, so a failed
 * login leaves no session behind that nobody holds a token of.
 */
export async function openSession(
  deps: SessionDeps,
  userId: string,
  clientId: string,
): Promise<{ tokens: TokenPair; remove: () => Promise<void> }> {
  const now = deps.clock();
  const sessionId = deps.newId();
  const refreshToken = newRefreshToken();
  const tokenHash = hashRefreshToken(refreshToken);
  const remove = () => deps.sessions.removeSession(sessionId, tokenHash);
  // The absolute end (SESSION_ABSOLUTE_LIFETIME_SECONDS): no refresh reaches past it, and its first token's
  // expiry never does either.
  const endsAt = addSeconds(now, deps.settings.sessionAbsoluteLifetimeSeconds).toISOString();
  const firstExpiry = addSeconds(now, deps.settings.refreshTokenTtlSeconds).toISOString();
  try {
    await deps.sessions.startSession(
      { id: sessionId, userId, clientId, endsAt },
      { tokenHash, sessionId, userId, clientId, expiresAt: firstExpiry < endsAt ? firstExpiry : endsAt, sessionEndsAt: endsAt },
    );
    const { accessToken, expiresIn } = await deps.accessTokens.issue({ userId, sessionId, clientId }, now);
    return { tokens: { accessToken, refreshToken, tokenType: 'Bearer', expiresIn }, remove };
  } catch (error) {
    await remove().catch(() => undefined); // if this fails too, nothing points at the session and TTL removes it
    throw error;
  }
}
