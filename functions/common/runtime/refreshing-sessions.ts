import type { SessionDeps } from '#lib/accounts/account-deps';
import { issuingSessionDeps } from './issuing-sessions';
import { sessionEnded } from './session-endings';

/** refresh: issues tokens (the private key set), and a session it ends (reuse, lifetime) closes its sockets. */
export const refreshingSessionDeps: SessionDeps = { ...issuingSessionDeps, sessionEnded };
