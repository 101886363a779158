import { randomUUID } from 'node:crypto';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccountDeps } from '../../lib/accounts/account-deps';
import type { DeletionDeps } from '../../lib/accounts/delete-account';
import type { AvatarDeps } from '../../lib/avatars/avatar-deps';
import { createAvatarObjects } from '../../lib/avatars/avatar-objects';
import { loadConfig } from '../../lib/config';
import { createPasswordHasher } from '../../lib/passwords/password-hasher';
import { managementApiSender } from '../../lib/sockets/socket-sender';
import type { SocketDeps } from '../../lib/sockets/socket-sessions';
import { createAvatarRepository } from '../../lib/storage/avatar-repository';
import { createConnectionsRepository } from '../../lib/storage/connections-repository';
import { createOwnedItemsRepository } from '../../lib/storage/owned-items';
import { createSessionsRepository } from '../../lib/storage/sessions-repository';
import { createUsersRepository } from '../../lib/storage/users-repository';
import { createAccessTokens } from '../../lib/tokens/access-tokens';
import { fileKeySetSource, secretKeySetSource } from '../../lib/tokens/key-set-sources';
import { cachedSigningKeys } from '../../lib/tokens/signing-keys';

/**
 * Built once per process (a Lambda cold start, or once for the whole embedded stack): the config,
 * the SDK clients and the dependencies the handlers share. A missing setting throws here, at start-up.
 * Constructing a client opens no connection, so handlers that never use one pay almost nothing for it.
 */
export const config = loadConfig();

export { logger } from './logger';

const dynamodb = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: config.region, endpoint: config.dynamodbEndpoint }),
  { marshallOptions: { removeUndefinedValues: true } },
);

// Local S3 needs path-style URLs, and checksums only where required: otherwise the SDK streams
// aws-chunked framing that s3rver stores inside the object. Both settings are harmless on AWS.
const s3Settings = { region: config.region, forcePathStyle: Boolean(config.avatars.s3Endpoint) } as const;
const s3 = new S3Client({
  ...s3Settings,
  endpoint: config.avatars.s3Endpoint,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
// Presigned URLs go to browsers, so they must name an endpoint browsers can reach.
const presigner =
  config.avatars.s3PublicEndpoint === config.avatars.s3Endpoint ? s3 : new S3Client({ ...s3Settings, endpoint: config.avatars.s3PublicEndpoint });

const keySetSource =
  config.signingKey.kind === 'file'
    ? fileKeySetSource(config.signingKey.path)
    : secretKeySetSource(new SecretsManagerClient({ region: config.region }), config.signingKey.secretId);

export const signingKeys = cachedSigningKeys(keySetSource);

const users = createUsersRepository(dynamodb, config.tableName);
const connections = createConnectionsRepository(dynamodb, config.tableName);
const objects = createAvatarObjects(s3, presigner, config.avatars.bucket);
const sockets = managementApiSender(new ApiGatewayManagementApiClient({ region: config.region, endpoint: config.connectionsEndpoint }));
const clock = () => new Date();

export const accountDeps: AccountDeps = {
  users,
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
  clock,
  newId: randomUUID,
};

export const avatarDeps: AvatarDeps = {
  avatars: createAvatarRepository(dynamodb, config.tableName),
  objects,
  connections,
  sockets,
  publicBaseUrl: config.issuer,
  clock,
};

export const deletionDeps: DeletionDeps = {
  users,
  ownedItems: createOwnedItemsRepository(dynamodb, config.tableName),
  connections,
  sockets,
  objects,
  clock,
};

export const socketDeps: SocketDeps = { account: accountDeps, connections, sockets };
