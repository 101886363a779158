import type { SessionDeps } from '#lib/accounts/account-deps';
import { sessionEnded } from './session-endings';
import { sessionDeps } from './sessions';

/** oauth-revoke: verifies tokens only (the public key set), and a session it revokes closes its sockets. */
export const revokingSessionDeps: SessionDeps = { ...sessionDeps, sessionEnded };
