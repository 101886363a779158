import { S3Client } from '@aws-sdk/client-s3';
import type { AvatarStoreDeps } from '#lib/avatars/avatar-deps';
import { createAvatarObjects } from '#lib/avatars/avatar-objects';
import { loadBucketConfig } from '#lib/config';
import { createAvatarRepository } from '#lib/storage/avatar-repository';
import { createUploadGrantsRepository } from '#lib/storage/upload-grants-repository';
import { dynamodb, tableName } from './dynamodb';

/** The avatar bucket (catalog access `bucket`), read once per cold start. */
const { avatars: bucket, region } = loadBucketConfig();

// Local S3 needs path-style URLs, and checksums only where required: otherwise the SDK streams
// aws-chunked framing that s3rver stores inside the object. Both settings are harmless on AWS.
const s3Settings = { region, forcePathStyle: Boolean(bucket.s3Endpoint) } as const;
const s3 = new S3Client({
  ...s3Settings,
  endpoint: bucket.s3Endpoint,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
// Presigned URLs go to browsers, so they must name an endpoint browsers can reach.
const presigner = bucket.s3PublicEndpoint === bucket.s3Endpoint ? s3 : new S3Client({ ...s3Settings, endpoint: bucket.s3PublicEndpoint });

export const avatarObjects = createAvatarObjects(s3, presigner, bucket.bucket);

/**
 * Reading avatars (get-avatar): the records and the objects, and no public base URL, which only the functions
 * that make avatar URLs need (./avatar-store.ts).
 */
export const avatarReadDeps: Pick<AvatarStoreDeps, 'avatars' | 'objects'> = {
  avatars: createAvatarRepository(dynamodb, tableName),
  objects: avatarObjects,
};

/** Direct-upload grants: written by create-avatar-upload, claimed and consumed by avatar-events. */
export const uploadGrants = createUploadGrantsRepository(dynamodb, tableName);
