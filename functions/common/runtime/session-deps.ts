import { randomUUID } from 'node:crypto';
import type { SessionDeps } from '#lib/accounts/account-deps';
import { createSessionsRepository } from '#lib/storage/sessions-repository';
import { createAccessTokens, type TokenKeys } from '#lib/tokens/access-tokens';
import { loadTokenConfig } from '#lib/config';
import { dynamodb, tableName } from './dynamodb';
import { users } from './users';

/** The issuer and the token lifetimes (catalog access `issuer`), read once per cold start. */
const config = loadTokenConfig();

/**
 * Users, sessions and tokens, with the keys the function holds: the private key set for the functions that
 * issue tokens (./issuing-sessions.ts), the public one for those that only verify (./sessions.ts). No password
 * hasher here, so a function importing this module cannot bundle the KDF; the credential routes take
 * `accountDeps` (./accounts.ts), which adds it.
 */
export const sessionDepsWith = (keys: TokenKeys): SessionDeps => ({
  users,
  sessions: createSessionsRepository(dynamodb, tableName),
  accessTokens: createAccessTokens(
    { issuer: config.issuer, audience: config.audience, ttlSeconds: config.accessTokenTtlSeconds },
    keys,
  ),
  settings: {
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
    sessionAbsoluteLifetimeSeconds: config.sessionAbsoluteLifetimeSeconds,
    maxSessionsPerUser: config.maxSessionsPerUser,
    defaultClientId: config.defaultClientId,
    pendingSignUpSeconds: 5 * 60,
    publicBaseUrl: config.issuer,
  },
  clock: () => new Date(),
  newId: randomUUID,
});
