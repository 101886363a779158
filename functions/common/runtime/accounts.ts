import type { AccountDeps } from '#lib/accounts/account-deps';
import type { SignInDeps } from '#lib/accounts/sign-in';
import type { SignUpDeps } from '#lib/accounts/sign-up';
import { createPasswordHasher } from '#lib/passwords/password-hasher';
import { loginThrottle, registrationThrottle } from './abuse-limits';
import { issuingSessionDeps as sessionDeps } from './issuing-sessions';

/**
 * The session deps plus the password hasher: for the functions that take a password (register, login,
 * oauth-token) and only those. tests/infra/bundles.test.ts fails if any other function's bundle reaches
 * the KDF, the common-password list or the phone metadata.
 */
export const accountDeps: AccountDeps = { ...sessionDeps, passwords: createPasswordHasher() };

/** Login and the OAuth password grant: the account deps behind the login back-off. */
export const signInDeps: SignInDeps = { account: accountDeps, throttle: loginThrottle };

/** Sign-up: the account deps behind the per-source registration limit. */
export const signUpDeps: SignUpDeps = { account: accountDeps, throttle: registrationThrottle };
