import type { RefreshTokenRecord, SessionRecord, SessionsRepository } from '#lib/storage/sessions-repository';
import type { InMemoryUsers } from './in-memory-users';

/**
 * SessionsRepository kept in Maps, honouring the DynamoDB conditions: `rotateOut` hands a token's record
 * back once (never after rotation or expiry), `extendSession` refuses a revoked or missing session, and
 * `revokeSession` keeps the first revocation time.
 */
export interface InMemorySessions extends SessionsRepository {
  readonly sessions: Map<string, SessionRecord>;
  readonly tokens: Map<string, RefreshTokenRecord>;
}

export function createInMemorySessions(users: InMemoryUsers): InMemorySessions {
  const sessions = new Map<string, SessionRecord>();
  const tokens = new Map<string, RefreshTokenRecord>();
  let rotations = 0;

  const putToken = (token: RefreshTokenRecord) => {
    if (tokens.has(token.tokenHash)) throw new Error('ConditionalCheckFailed: refresh token exists');
    tokens.set(token.tokenHash, { ...token });
  };

  return {
    sessions,
    tokens,

    async startSession(session, firstToken) {
      if (sessions.has(session.id)) throw new Error(`ConditionalCheckFailed: session ${session.id} exists`);
      sessions.set(session.id, { ...session });
      putToken(firstToken);
    },

    async putToken(token) {
      putToken(token);
    },

    async putSuccessor(token) {
      if (tokens.has(token.tokenHash)) return false;
      putToken(token);
      return true;
    },

    async getToken(tokenHash) {
      const token = tokens.get(tokenHash);
      return token ? { ...token } : undefined;
    },

    async rotateOut(tokenHash, now) {
      const token = tokens.get(tokenHash);
      if (!token || token.rotatedAt || !(token.expiresAt > now.toISOString())) return undefined;
      const rotationId = `rotation-${++rotations}`;
      tokens.set(tokenHash, { ...token, rotatedAt: now.toISOString(), rotationId });
      return { ...token, rotationId };
    },

    async undoRotation(rotated, newTokenHash) {
      tokens.delete(newTokenHash);
      const token = tokens.get(rotated.tokenHash);
      if (token?.rotationId === rotated.rotationId) tokens.set(rotated.tokenHash, { ...token, rotatedAt: undefined, rotationId: undefined });
    },

    async removeSession(sessionId, tokenHash) {
      tokens.delete(tokenHash);
      sessions.delete(sessionId);
    },

    async extendSession(sessionId, _until, endsAt, usedAt = new Date()) {
      const session = sessions.get(sessionId);
      if (session && !session.revokedAt) sessions.set(sessionId, { ...session, endsAt: session.endsAt ?? endsAt, lastUsedAt: usedAt.toISOString() });
      return Boolean(session && !session.revokedAt);
    },

    async listSessions(userId) {
      return [...sessions.values()].filter((session) => session.userId === userId).map((session) => ({ ...session }));
    },

    async countSessionKeys(userId) {
      return [...sessions.values()].filter((session) => session.userId === userId).length;
    },

    async revokeSession(sessionId, now, reason = 'revoked') {
      const session = sessions.get(sessionId);
      if (session && !session.revokedAt) sessions.set(sessionId, { ...session, revokedAt: now.toISOString(), revokedFor: reason });
    },

    async getSession(sessionId) {
      const session = sessions.get(sessionId);
      return session ? { ...session } : undefined;
    },

    async getUserAndSession(userId, sessionId) {
      const user = users.users.get(userId);
      const session = sessions.get(sessionId);
      return { user: user ? { ...user } : undefined, session: session ? { ...session } : undefined };
    },
  };
}
