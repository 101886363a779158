import type { SessionDeps } from '#lib/accounts/account-deps';
import { sessionDepsWith } from './session-deps';
import { signingKeys } from './signing-keys';

/** The session deps of the functions that issue tokens (catalog access `signingKey: 'sign'`): the private key set. */
export const issuingSessionDeps: SessionDeps = sessionDepsWith(signingKeys);
