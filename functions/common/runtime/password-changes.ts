import type { PasswordChangeDeps } from '#lib/accounts/change-password';
import { createPasswordHasher } from '#lib/passwords/password-hasher';
import { fanOut } from '#lib/sockets/fan-out';
import { loginThrottle } from './abuse-limits';
import { connections } from './connections';
import { sockets } from './management-api';
import { sessionEnded } from './session-endings';
import { sessionDeps } from './sessions';

/**
 * change-password: verifies tokens only (the public key set: it issues none), hashes passwords, counts wrong
 * current passwords in the login back-off, and tells sockets (the ended sessions' `session.ended`, the
 * remaining ones' `password.changed`, whose delivery re-checks each socket's session).
 */
export const passwordChangeDeps: PasswordChangeDeps = {
  account: { ...sessionDeps, passwords: createPasswordHasher(), sessionEnded },
  throttle: loginThrottle,
  announce: (userId, message) => fanOut({ connections, sockets, sessions: sessionDeps.sessions }, userId, message),
};
