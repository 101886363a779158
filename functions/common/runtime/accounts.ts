import type { AccountDeps } from '#lib/accounts/account-deps';
import { createPasswordHasher } from '#lib/passwords/password-hasher';
import { sessionDeps } from './sessions';

/**
 * The session deps plus the password hasher: for the functions that take a password (register, login,
 * oauth-token) and only those. tests/infra/bundles.test.ts fails if any other function's bundle reaches
 * the KDF, the common-password list or the phone metadata.
 */
export const accountDeps: AccountDeps = { ...sessionDeps, passwords: createPasswordHasher() };
