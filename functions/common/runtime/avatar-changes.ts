import type { ChangeAvatarDeps } from '#lib/avatars/change-avatar';
import type { UploadRequestDeps } from '#lib/avatars/request-upload';
import { uploadFormThrottle } from './abuse-limits';
import { avatarDeps, uploadFormDeps } from './avatar-store';
import { sessionDeps } from './sessions';

/**
 * The caller's own avatar changes (upload-avatar, create-avatar-upload): the avatar deps and the session deps
 * that authenticate the caller. Apart from ./avatars.ts, so that get-avatar, which authenticates no one,
 * bundles no signing keys.
 */
export const changeAvatarDeps: ChangeAvatarDeps = { session: sessionDeps, avatars: avatarDeps };

export const uploadRequestDeps: UploadRequestDeps = { session: sessionDeps, uploads: uploadFormDeps, throttle: uploadFormThrottle };
