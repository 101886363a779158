import { HaloError } from '../errors';
import { hashRefreshToken, looksLikeRefreshToken } from '../tokens/refresh-token-secret';
import type { SessionDeps } from './account-deps';
import { endSession } from './end-session';

/**
 * RFC 7009 §2.1: "The authorization server first validates the client credentials (in case of a confidential
 * client) and then verifies whether the token was issued to the client making the revocation request. If this
 * validation fails, the request is refused and the client is informed of the error". §2.2.1 presents that error
 * as RFC 6749 §5.2 does, whose `invalid_grant` is exactly "…or was issued to another client": 400 invalid_grant,
 * and the session is left alone.
 */
const otherClient = () => new HaloError('invalid_grant', { token: 'was issued to another client' });

/**
 * RFC 7009: revoking either kind of token ends its whole session (the refresh-token family and every
 * access token bound to it through `sid`), and its sockets are told and closed. Unknown, expired or
 * foreign-session tokens are not an error (§2.2); a token of another client is refused (§2.1, above). A
 * request without a client_id is the default client's, as at the token endpoint.
 */
export async function revoke(deps: SessionDeps, input: { token: string; tokenTypeHint?: string; clientId?: string }): Promise<void> {
  const now = deps.clock();
  const clientId = input.clientId ?? deps.settings.defaultClientId;
  const asRefresh = async () => {
    if (!looksLikeRefreshToken(input.token)) return false;
    const record = await deps.sessions.getToken(hashRefreshToken(input.token));
    if (!record) return false;
    if (record.clientId !== clientId) throw otherClient();
    await endSession(deps, record, now, 'revoked');
    return true;
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
    if (session.clientId !== clientId) throw otherClient();
    await endSession(deps, { userId: claims.userId, sessionId: claims.sessionId }, now, 'revoked');
    return true;
  };
  // The hint is only an optimisation (§2.1): look where it points first, then the other way.
  const order = input.tokenTypeHint === 'access_token' ? [asAccess, asRefresh] : [asRefresh, asAccess];
  for (const attempt of order) if (await attempt()) return;
}
