import { HaloError } from '../errors';
import type { RefreshTokenRecord } from '../storage/sessions-repository';
import { hashRefreshToken, looksLikeRefreshToken, successorRefreshToken } from '../tokens/refresh-token-secret';
import type { SessionDeps } from './account-deps';
import { endSession } from './end-session';
import { endedByPasswordChange } from './session-standing';
import type { TokenPair } from './sessions';
import { addSeconds } from './time';

const invalidGrant = (reason: string) => new HaloError('invalid_grant', { refreshToken: reason });

/** How far a retry inside the grace window may follow the chain of rotations to today's live token. */
const MAX_GRACE_HOPS = 8;

/**
 * Refresh-token rotation with reuse detection (RFC 9700 §4.14.2): every use returns a new refresh
 * token; presenting one that was already rotated out revokes its whole family, because the server
 * cannot tell a thief replaying it from a client racing itself. Of concurrent refreshes exactly one
 * rotates the token.
 *
 * The grace window (`refreshReuseGraceSeconds`, docs/design.md "Refresh grace window"): for that long
 * after its rotation, the same client presenting the old token again gets the session's live refresh
 * token (the one the rotation produced, or its own successors) and a new access token, instead of
 * losing the session: a lost answer or two tabs racing cost nothing. The successor is derived from the
 * old token (`successorRefreshToken`), so there is still one live refresh token per session and nothing
 * stored lets a database reader compute it. After the window, reuse revokes the session as before.
 */
export async function refresh(deps: SessionDeps, input: { refreshToken: string; clientId?: string }): Promise<TokenPair> {
  if (!looksLikeRefreshToken(input.refreshToken)) throw invalidGrant('is not a valid refresh token');
  const now = deps.clock();
  const tokenHash = hashRefreshToken(input.refreshToken);

  // A token issued without a client_id belongs to the default client, and so does one presented without it
  // (/api/refresh): a refresh token works only with the client it was issued to (RFC 6749 §6, RFC 9700 §4.14).
  const clientId = input.clientId ?? deps.settings.defaultClientId;
  const current = await deps.sessions.rotateOut(tokenHash, now);
  if (!current) return replayed(deps, { ...input, clientId }, tokenHash, now);
  if (clientId !== current.clientId) {
    // Another client holding this token can only have stolen it: the session ends, as on reuse.
    await endSession(deps, current, now, 'revoked');
    throw invalidGrant('was issued to another client');
  }

  const refreshToken = successorRefreshToken(input.refreshToken, current.rotationId);
  try {
    return await issue(deps, current, refreshToken, now);
  } catch (error) {
    // An outage after the rotation must not burn the token: the client never got the new one, and its
    // retry with the old one would otherwise look like reuse and end the session.
    if (!(error instanceof HaloError)) await deps.sessions.undoRotation(current, hashRefreshToken(refreshToken)).catch(() => undefined);
    throw error;
  }
}

/** A token that `rotateOut` refused: unknown or expired, a retry inside the grace window, or reuse. */
async function replayed(deps: SessionDeps, input: { refreshToken: string; clientId: string }, tokenHash: string, now: Date): Promise<TokenPair> {
  const known = await deps.sessions.getToken(tokenHash);
  if (known && !known.rotatedAt && known.sessionEndsAt && !(known.sessionEndsAt > now.toISOString())) {
    // Past the session's absolute lifetime (its tokens expire with it): the first refresh after it ends the
    // session for its sockets too, told why.
    await endSession(deps, known, now, 'expired');
    throw invalidGrant('belongs to a session past its absolute lifetime: log in again');
  }
  if (!known?.rotatedAt) throw invalidGrant('is invalid or has expired');
  if (input.clientId !== known.clientId) {
    await endSession(deps, known, now, 'revoked');
    throw invalidGrant('was issued to another client');
  }
  const graceMs = deps.settings.refreshReuseGraceSeconds * 1000;
  const rotatedMsAgo = now.getTime() - new Date(known.rotatedAt).getTime();
  if (known.rotationId === undefined || !(rotatedMsAgo < graceMs)) {
    await endSession(deps, known, now, 'reused');
    throw invalidGrant('was already used; its session is now revoked');
  }

  // Inside the window: walk from the presented token to the session's live one. Every later rotation
  // happened after this one, so inside the window too.
  let token = input.refreshToken;
  let record: RefreshTokenRecord = known;
  for (let hop = 0; hop < MAX_GRACE_HOPS && record.rotationId !== undefined; hop++) {
    const successor = successorRefreshToken(token, record.rotationId);
    const next = await deps.sessions.getToken(hashRefreshToken(successor));
    // Not written yet: the rotating refresh is still on its way; `issue` writes it (first writer wins).
    if (!next) return issue(deps, record, successor, now);
    token = successor;
    record = next;
    if (!next.rotatedAt) return issue(deps, next, successor, now);
  }
  throw invalidGrant('is invalid or has expired');
}

/** Checks the user and the session still stand, stores the refresh token if new, and signs an access token. */
async function issue(deps: SessionDeps, from: RefreshTokenRecord, refreshToken: string, now: Date): Promise<TokenPair> {
  // A session opened before the absolute lifetime existed gets it from its first refresh on.
  const sessionEndsAt = from.sessionEndsAt ?? addSeconds(now, deps.settings.sessionAbsoluteLifetimeSeconds).toISOString();
  if (!(sessionEndsAt > now.toISOString())) {
    await endSession(deps, from, now, 'expired');
    throw invalidGrant('belongs to a session past its absolute lifetime: log in again');
  }
  // Sliding, but never past the absolute end (ASVS 3.3.2): each refresh no longer grants another full TTL.
  const slid = addSeconds(now, deps.settings.refreshTokenTtlSeconds).toISOString();
  const expiresAt = slid < sessionEndsAt ? slid : sessionEndsAt;
  // The user and the session in one read: a password change since the session began ends it here too, even
  // before the change's revocation (which finds sessions through the lagging byUser index) reaches it.
  const { user, session } = await deps.sessions.getUserAndSession(from.userId, from.sessionId);
  if (user?.status === 'active' && session && !session.revokedAt && endedByPasswordChange(user, session)) {
    await endSession(deps, from, now, 'password_changed');
    throw invalidGrant('belongs to a session ended by a password change: log in again');
  }
  if (user?.status !== 'active' || !(await deps.sessions.extendSession(from.sessionId, new Date(expiresAt), sessionEndsAt, now))) {
    throw invalidGrant('is invalid or has expired');
  }
  await deps.sessions.putSuccessor({
    tokenHash: hashRefreshToken(refreshToken),
    sessionId: from.sessionId,
    userId: from.userId,
    clientId: from.clientId,
    expiresAt,
    sessionEndsAt,
  });
  const { accessToken, expiresIn } = await deps.accessTokens.issue(
    { userId: from.userId, sessionId: from.sessionId, clientId: from.clientId },
    now,
  );
  return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn };
}
