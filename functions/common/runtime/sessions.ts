import { randomUUID } from 'node:crypto';
import type { SessionDeps } from '#lib/accounts/account-deps';
import { createSessionsRepository } from '#lib/storage/sessions-repository';
import { createAccessTokens } from '#lib/tokens/access-tokens';
import { loadTokenConfig } from '#lib/config';
import { dynamodb, tableName } from './dynamodb';
import { signingKeys } from './signing-keys';
import { users } from './users';

/**
 * Users, sessions and tokens: what every function that verifies or issues a token needs. No password
 * hasher here, so a function importing this module cannot bundle the KDF; the credential routes take
 * `accountDeps` (./accounts.ts), which adds it.
 */
/** The issuer and the token lifetimes (catalog access `issuer`), read once per cold start. */
const config = loadTokenConfig();

export const sessionDeps: SessionDeps = {
  users,
  sessions: createSessionsRepository(dynamodb, tableName),
  accessTokens: createAccessTokens(
    { issuer: config.issuer, audience: config.audience, ttlSeconds: config.accessTokenTtlSeconds },
    signingKeys,
  ),
  settings: {
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
    sessionAbsoluteLifetimeSeconds: config.sessionAbsoluteLifetimeSeconds,
    defaultClientId: config.defaultClientId,
    pendingSignUpSeconds: 5 * 60,
    publicBaseUrl: config.issuer,
  },
  clock: () => new Date(),
  newId: randomUUID,
};
