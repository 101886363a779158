import { hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh-token-secret';
import type { SessionDeps } from './account-deps';

/**
 * RFC 7009: revoking either kind of token ends its whole session (the refresh-token family and every
 * access token bound to it through `sid`). Unknown, expired or foreign tokens are not an error (§2.2).
 */
export async function revoke(deps: SessionDeps, input: { token: string; tokenTypeHint?: string }): Promise<void> {
  const now = deps.clock();
  const asRefresh = async () => {
    if (!looksLikeRefreshToken(input.token)) return false;
    const record = await deps.sessions.getToken(hashRefreshToken(input.token));
    if (record) await deps.sessions.revokeSession(record.sessionId, now);
    return Boolean(record);
  };
  const asAccess = async () => {
    let claims;
    try {
      claims = await deps.accessTokens.verify(input.token, now);
    } catch {
      return false;
    }
    // A token naming someone else's session is not that session's token: it ends nothing.
    const { session } = await deps.sessions.getUserAndSession(claims.userId, claims.sessionId);
    if (session?.userId !== claims.userId) return false;
    await deps.sessions.revokeSession(claims.sessionId, now);
    return true;
  };
  // The hint is only an optimisation (§2.1): look where it points first, then the other way.
  const order = input.tokenTypeHint === 'access_token' ? [asAccess, asRefresh] : [asRefresh, asAccess];
  for (const attempt of order) if (await attempt()) return;
}
