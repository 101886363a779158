import { HaloError } from '../errors';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from '../tokens/refresh-token-secret';
import type { SessionDeps } from './account-deps';
import type { TokenPair } from './sessions';
import { addSeconds } from './time';

const invalidGrant = (reason: string) => new HaloError('invalid_grant', { refreshToken: reason });

/**
 * Refresh-token rotation with reuse detection (RFC 9700 §4.14.2): every use returns a new refresh
 * token; presenting one that was already rotated out revokes its whole family, because the server
 * cannot tell a thief replaying it from a client racing itself. Of concurrent refreshes exactly one wins.
 */
export async function refresh(deps: SessionDeps, input: { refreshToken: string; clientId?: string }): Promise<TokenPair> {
  if (!looksLikeRefreshToken(input.refreshToken)) throw invalidGrant('is not a valid refresh token');
  const now = deps.clock();
  const tokenHash = hashRefreshToken(input.refreshToken);

  const current = await deps.sessions.rotateOut(tokenHash, now);
  if (!current) {
    const known = await deps.sessions.getToken(tokenHash);
    if (known?.rotatedAt) await deps.sessions.revokeSession(known.sessionId, now);
    throw invalidGrant(known?.rotatedAt ? 'was already used; its session is now revoked' : 'is invalid or has expired');
  }
  if (input.clientId !== undefined && input.clientId !== current.clientId) {
    await deps.sessions.revokeSession(current.sessionId, now);
    throw invalidGrant('was issued to another client');
  }

  const expiresAt = addSeconds(now, deps.settings.refreshTokenTtlSeconds);
  const refreshToken = newRefreshToken();
  try {
    const user = await deps.users.getUser(current.userId);
    if (user?.status !== 'active' || !(await deps.sessions.extendSession(current.sessionId, expiresAt))) {
      throw invalidGrant('is invalid or has expired');
    }
    await deps.sessions.putToken({
      tokenHash: hashRefreshToken(refreshToken),
      sessionId: current.sessionId,
      userId: current.userId,
      clientId: current.clientId,
      expiresAt: expiresAt.toISOString(),
    });
    const { accessToken, expiresIn } = await deps.accessTokens.issue(
      { userId: current.userId, sessionId: current.sessionId, clientId: current.clientId },
      now,
    );
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn };
  } catch (error) {
    // An outage after the rotation must not burn the token: the client never got the new one, and its
    // retry with the old one would otherwise look like reuse and end the session.
    if (!(error instanceof HaloError)) await deps.sessions.undoRotation(current, hashRefreshToken(refreshToken)).catch(() => undefined);
    throw error;
  }
}
