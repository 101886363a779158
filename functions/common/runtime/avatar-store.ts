import type { AvatarStoreDeps } from '#lib/avatars/avatar-deps';
import type { UploadFormDeps } from '#lib/avatars/issue-upload';
import { loadIssuerConfig } from '#lib/config';
import { avatarReadDeps, uploadGrants } from './avatars';

/**
 * Storing avatars (upload-avatar, create-avatar-upload, avatar-events): the avatar records and objects, and
 * the public base URL avatar URLs are made from. No `@connections` client, which the first two may not use
 * (infra/catalog.ts grants it to neither); the S3 event's function adds the sockets (./avatar-events.ts).
 */
export const avatarDeps: AvatarStoreDeps = {
  ...avatarReadDeps,
  publicBaseUrl: loadIssuerConfig().issuer,
  clock: () => new Date(),
};

/** Handing out direct-upload forms (create-avatar-upload): the store's deps and the grants. */
export const uploadFormDeps: UploadFormDeps = { ...avatarDeps, uploadGrants };
