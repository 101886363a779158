import type { SessionDeps } from '#lib/accounts/account-deps';
import { endSessionSockets } from '#lib/sockets/session-endings';
import { connections } from './connections';
import { sockets } from './management-api';

/**
 * What the functions where a session can end (refresh, oauth-token's refresh grant, oauth-revoke) do when one
 * ends: tell its sockets why and close them, through the `@connections` client (catalog access
 * `connections: 'manage'`). Kept apart from the session deps, so that each function combines it with the keys
 * it holds (./refreshing-sessions.ts, ./revoking-sessions.ts) and login and register never build the client.
 */
export const sessionEnded: NonNullable<SessionDeps['sessionEnded']> = (userId, sessionId, reason) =>
  endSessionSockets({ connections, sockets }, userId, sessionId, reason);
