import { S3Client } from '@aws-sdk/client-s3';
import type { AvatarStoreDeps } from '#lib/avatars/avatar-deps';
import { createAvatarObjects } from '#lib/avatars/avatar-objects';
import type { UploadFormDeps } from '#lib/avatars/issue-upload';
import { createAvatarRepository } from '#lib/storage/avatar-repository';
import { createUploadGrantsRepository } from '#lib/storage/upload-grants-repository';
import { config } from './config';
import { dynamodb } from './dynamodb';

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

export const avatarObjects = createAvatarObjects(s3, presigner, config.avatars.bucket);

/**
 * Storing and serving avatars (upload-avatar, create-avatar-upload, get-avatar): no `@connections` client,
 * which those functions may not use (infra/catalog.ts grants it to none of them). The S3 event's function
 * adds the sockets (./avatar-events.ts).
 */
export const avatarDeps: AvatarStoreDeps = {
  avatars: createAvatarRepository(dynamodb, config.tableName),
  objects: avatarObjects,
  publicBaseUrl: config.issuer,
  clock: () => new Date(),
};

/** Direct-upload grants: written by create-avatar-upload, claimed and consumed by avatar-events. */
export const uploadGrants = createUploadGrantsRepository(dynamodb, config.tableName);

/** Handing out direct-upload forms (create-avatar-upload): the store's deps and the grants. */
export const uploadFormDeps: UploadFormDeps = { ...avatarDeps, uploadGrants };
