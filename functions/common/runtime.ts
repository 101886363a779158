import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccountDeps } from '../../lib/accounts/account-deps';
import { loadConfig } from '../../lib/config';
import { createPasswordHasher } from '../../lib/passwords/password-hasher';
import { createSessionsRepository } from '../../lib/storage/sessions-repository';
import { createUsersRepository } from '../../lib/storage/users-repository';
import { createAccessTokens } from '../../lib/tokens/access-tokens';
import { fileKeySetSource, secretKeySetSource } from '../../lib/tokens/key-set-sources';
import { cachedSigningKeys } from '../../lib/tokens/signing-keys';

/**
 * Built once per process (a Lambda cold start, or once for the whole embedded stack): the config,
 * the SDK clients and the dependencies every handler shares. A missing setting throws here, at start-up.
 */
export const config = loadConfig();

export const logger = new Logger({ serviceName: 'halo', logLevel: config.logLevel as 'INFO' });

const dynamodb = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: config.region, endpoint: config.dynamodbEndpoint }),
  { marshallOptions: { removeUndefinedValues: true } },
);

const keySetSource =
  config.signingKey.kind === 'file'
    ? fileKeySetSource(config.signingKey.path)
    : secretKeySetSource(new SecretsManagerClient({ region: config.region }), config.signingKey.secretId);

export const signingKeys = cachedSigningKeys(keySetSource);

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
  },
  clock: () => new Date(),
  newId: randomUUID,
};
