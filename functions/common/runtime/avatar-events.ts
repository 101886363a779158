import type { AvatarDeps } from '#lib/avatars/avatar-deps';
import { uploadGrants } from './avatars';
import { avatarDeps } from './avatar-store';
import { connections } from './connections';
import { sockets } from './management-api';
import { sessionRecords } from './session-records';

/** Judging uploads and announcing avatars (avatar-events): the avatar deps, the upload grants and the user's sockets. */
export const avatarEventDeps: AvatarDeps = { ...avatarDeps, uploadGrants, connections, sockets, sessions: sessionRecords };
