import type { SignInDeps } from '#lib/accounts/sign-in';
import { signInDeps } from './accounts';
import { sessionEnded } from './session-endings';

/**
 * oauth-token: sign-in's deps, plus the sockets of a session its refresh grant ends (reuse, another client,
 * the absolute lifetime). In a module of its own so login and register never construct the `@connections` client.
 */
export const tokenGrantDeps: SignInDeps = {
  ...signInDeps,
  account: { ...signInDeps.account, sessionEnded },
};
