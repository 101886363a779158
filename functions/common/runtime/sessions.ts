import type { SessionDeps } from '#lib/accounts/account-deps';
import { publicKeys } from './public-keys';
import { sessionDepsWith } from './session-deps';

/**
 * The session deps of the functions that only verify tokens (catalog access `signingKey: 'verify'`): they hold
 * the public key set only, so whoever runs code in one of them cannot mint a token.
 */
export const sessionDeps: SessionDeps = sessionDepsWith(publicKeys);
