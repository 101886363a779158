import type { SessionDeps } from '#lib/accounts/account-deps';
import { endSessionSockets } from '#lib/sockets/session-endings';
import { connections } from './connections';
import { sockets } from './management-api';
import { sessionDeps } from './sessions';

/**
 * The session deps of the functions where a session can end (oauth-revoke, refresh, oauth-token's refresh
 * grant): ending one tells its sockets why and closes them, through the `@connections` client (catalog
 * access `connections: 'manage'`).
 */
export const endingSessionDeps: SessionDeps = {
  ...sessionDeps,
  sessionEnded: (userId, sessionId, reason) => endSessionSockets({ connections, sockets }, userId, sessionId, reason),
};
