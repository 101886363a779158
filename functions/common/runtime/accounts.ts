import { randomUUID } from 'node:crypto';
import type { AccountDeps } from '../../../lib/accounts/account-deps';
import { createPasswordHasher } from '../../../lib/passwords/password-hasher';
import { createSessionsRepository } from '../../../lib/storage/sessions-repository';
import { createUsersRepository } from '../../../lib/storage/users-repository';
import { createAccessTokens } from '../../../lib/tokens/access-tokens';
import { config } from './config';
import { dynamodb } from './dynamodb';
import { signingKeys } from './signing-keys';

export const accountDeps: AccountDeps = {
  users: createUsersRepository(dynamodb, config.tableName),
  sessions: createSessionsRepository(dynamodb, config.tableName),
  passwords: createPasswordHasher(),
  accessTokens: createAccessTokens(
    { issuer: config.issuer, audience: config.audience, ttlSeconds: config.accessTokenTtlSeconds },
    signingKeys,
  ),
  settings: {
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    defaultClientId: config.defaultClientId,
    pendingSignUpSeconds: 5 * 60,
    publicBaseUrl: config.issuer,
  },
  clock: () => new Date(),
  newId: randomUUID,
};
