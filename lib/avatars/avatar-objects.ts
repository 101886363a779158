import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AVATAR_RULES, type NormalisedAvatar } from './normalise-avatar';

/**
 * Bucket layout: `uploads/<userId>/<uploadId>` holds raw direct-to-S3 uploads until the avatar function
 * has judged them; `avatars/<userId>/<version>.webp` holds normalised avatars, one live version per user.
 * Everything of a user sits under a prefix that ends in their id, so deletion is two prefix listings.
 */
export const UPLOADS_PREFIX = 'uploads/';
export const AVATARS_PREFIX = 'avatars/';
export const avatarKey = (userId: string, version: string) => `${AVATARS_PREFIX}${userId}/${version}.webp`;
export const uploadKey = (userId: string, uploadId: string) => `${UPLOADS_PREFIX}${userId}/${uploadId}`;

/** S3 event notifications URL-encode object keys as a form would (`+` for spaces); this undoes it. */
export const keyFromS3Event = (encoded: string): string => decodeURIComponent(encoded.replace(/\+/g, ' '));

/** Which user and version (or upload) an object key belongs to; `undefined` for keys Halo never writes. */
export function parseObjectKey(key: string): { kind: 'avatar' | 'upload'; userId: string; id: string } | undefined {
  const match = /^(avatars|uploads)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([A-Za-z0-9-]{1,64})(\.webp)?$/.exec(key);
  if (!match?.[2] || !match[3]) return undefined;
  const kind = match[1] === 'avatars' ? 'avatar' : 'upload';
  if ((kind === 'avatar') !== (match[4] === '.webp')) return undefined;
  return { kind, userId: match[2], id: match[3] };
}

export interface PresignedUpload {
  readonly url: string;
  readonly fields: Record<string, string>;
  readonly expiresAt: string;
  readonly maxBytes: number;
}

export type AvatarObjects = ReturnType<typeof createAvatarObjects>;

/**
 * @param s3 the client Halo talks to S3 with
 * @param presigner a client whose endpoint browsers can reach (the same one on AWS)
 */
/** Versioned URLs never change content, so browsers and CDNs may keep them for a year. */
const AVATAR_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export function createAvatarObjects(s3: S3Client, presigner: S3Client, bucket: string) {
  return {
    async putAvatar(userId: string, version: string, avatar: NormalisedAvatar): Promise<string> {
      const key = avatarKey(userId, version);
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: avatar.data,
          ContentType: avatar.contentType,
          CacheControl: AVATAR_CACHE_CONTROL,
        }),
      );
      return key;
    },

    /** The object's bytes, refusing (without downloading) anything larger than `maxBytes`. */
    async read(key: string, maxBytes: number): Promise<Uint8Array | 'too large' | 'missing'> {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if ((object.ContentLength ?? 0) > maxBytes) {
          object.Body?.transformToWebStream().cancel().catch(() => undefined);
          return 'too large';
        }
        return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') return 'missing';
        throw error;
      }
    },

    async delete(key: string): Promise<void> {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },

    /** Deletes every object of a user (avatars and pending uploads); returns how many were deleted. */
    async deleteAllOf(userId: string): Promise<number> {
      let deleted = 0;
      for (const prefix of [`${AVATARS_PREFIX}${userId}/`, `${UPLOADS_PREFIX}${userId}/`]) {
        let token: string | undefined;
        do {
          const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
          const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
          if (keys.length > 0) {
            const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
            if (result.Errors?.length) throw new Error(`S3 could not delete ${result.Errors.length} objects of user ${userId}`);
            deleted += keys.length;
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      }
      return deleted;
    },

    /**
     * Deletes the user's avatar objects older than `version` (the current one): versions only move
     * forward, so none of them can ever be shown again. What an upload's own clean-up missed (an outage
     * while removing the previous avatar, or a version write whose reply was lost) ends here.
     */
    async deleteVersionsBefore(userId: string, version: string): Promise<number> {
      const prefix = `${AVATARS_PREFIX}${userId}/`;
      const doomed: { Key: string }[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const older = object.Key && parseObjectKey(object.Key)?.id;
          if (object.Key && older && older < version) doomed.push({ Key: object.Key });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      for (let i = 0; i < doomed.length; i += 1000) {
        const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: doomed.slice(i, i + 1000), Quiet: true } }));
        if (result.Errors?.length) throw new Error(`S3 could not delete ${result.Errors.length} old avatars of user ${userId}`);
      }
      return doomed.length;
    },

    /**
     * A short-lived GET URL: handed out only as the target of a redirect, never as a lasting avatarUrl.
     * `forCors` signs a URL of its own for CORS requests (it names the cache policy the object already has,
     * so the answer is the same): S3 answers CORS only to a request with an Origin, and browsers cache the
     * object for a year, so a CORS request must never be sent to a URL that an <img> without Origin cached.
     */
    presignedGet(key: string, expiresInSeconds: number, options: { forCors?: boolean } = {}): Promise<string> {
      const command = new GetObjectCommand({ Bucket: bucket, Key: key, ...(options.forCors ? { ResponseCacheControl: AVATAR_CACHE_CONTROL } : {}) });
      return getSignedUrl(presigner, command, { expiresIn: expiresInSeconds });
    },

    /** A browser form POST straight to S3, limited in size and to one key under the user's upload prefix. */
    async presignedUpload(userId: string, uploadId: string, expiresInSeconds: number, now: Date): Promise<PresignedUpload> {
      const { url, fields } = await createPresignedPost(presigner, {
        Bucket: bucket,
        Key: uploadKey(userId, uploadId),
        Conditions: [['content-length-range', 1, AVATAR_RULES.maxBytes]],
        Expires: expiresInSeconds,
      });
      return {
        url,
        fields,
        expiresAt: new Date(now.getTime() + expiresInSeconds * 1000).toISOString(),
        maxBytes: AVATAR_RULES.maxBytes,
      };
    },
  };
}
