import { addSeconds } from './time';
import type { SessionDeps } from './account-deps';
import { hashRefreshToken, newRefreshToken } from '../tokens/refresh-token-secret';
import { trimSessions } from './session-cap';

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
}

/**
 * When the session counts as created: by default now; a login passes the moment before it read the user, so
 * that a password change committed after that read ends this session too (lib/accounts/session-standing.ts).
 */
export interface SessionStart {
  readonly startedAt?: Date;
}

/**
 * A new login: a new token family, its first refresh token and an access token bound to it. Then the user's
 * oldest sessions past MAX_SESSIONS_PER_USER end (lib/accounts/session-cap.ts); that trim never fails the login.
 */
export async function startSession(deps: SessionDeps, userId: string, clientId: string, start: SessionStart = {}): Promise<TokenPair> {
  const { tokens, sessionId } = await openSession(deps, userId, clientId, start);
  await trimSessions(deps, userId, sessionId).catch(() => undefined);
  return tokens;
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
  start: SessionStart = {},
): Promise<{ tokens: TokenPair; sessionId: string; remove: () => Promise<void> }> {
  const now = deps.clock();
  const createdAt = (start.startedAt ?? now).toISOString();
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
      { id: sessionId, userId, clientId, endsAt, createdAt, lastUsedAt: now.toISOString() },
      { tokenHash, sessionId, userId, clientId, expiresAt: firstExpiry < endsAt ? firstExpiry : endsAt, sessionEndsAt: endsAt },
    );
    const { accessToken, expiresIn } = await deps.accessTokens.issue({ userId, sessionId, clientId }, now);
    return { tokens: { accessToken, refreshToken, tokenType: 'Bearer', expiresIn }, sessionId, remove };
  } catch (error) {
    await remove().catch(() => undefined); // if this fails too, nothing points at the session and TTL removes it
    throw error;
  }
}
