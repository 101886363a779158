import { addSeconds } from './time';
import type { AccountDeps } from './account-deps';
import { hashRefreshToken, newRefreshToken } from '../tokens/refresh-token-secret';

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
}

/** A new login: a new token family, its first refresh token and an access token bound to it. */
export async function startSession(deps: AccountDeps, userId: string, clientId: string): Promise<TokenPair> {
  const now = deps.clock();
  const sessionId = deps.newId();
  const refreshToken = newRefreshToken();
  await deps.sessions.startSession(
    { id: sessionId, userId, clientId },
    {
      tokenHash: hashRefreshToken(refreshToken),
      sessionId,
      userId,
      clientId,
      expiresAt: addSeconds(now, deps.settings.refreshTokenTtlSeconds).toISOString(),
    },
  );
  const { accessToken, expiresIn } = await deps.accessTokens.issue({ userId, sessionId, clientId }, now);
  return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn };
}
