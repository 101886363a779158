import type { SessionLookup } from '../sockets/session-endings';
import type { SocketSender } from '../sockets/socket-sender';
import type { AvatarRepository } from '../storage/avatar-repository';
import type { ConnectionsRepository } from '../storage/connections-repository';
import type { UploadGrantsRepository } from '../storage/upload-grants-repository';
import type { AvatarObjects } from './avatar-objects';

/** What storing and serving an avatar needs: no sockets (the function an object's S3 event triggers tells them). */
export interface AvatarStoreDeps {
  readonly avatars: AvatarRepository;
  readonly objects: AvatarObjects;
  /** Public base URL of the service: avatar URLs are `${publicBaseUrl}/avatars/<userId>/<version>`. */
  readonly publicBaseUrl: string;
  readonly clock: () => Date;
}

/** Judging an upload and announcing an avatar: the store's deps, plus the upload grants and the user's sockets. */
export interface AvatarDeps extends AvatarStoreDeps {
  /** Which direct uploads Halo issued, to whom (lib/storage/upload-grants-repository.ts). */
  readonly uploadGrants: UploadGrantsRepository;
  readonly connections: ConnectionsRepository;
  readonly sockets: SocketSender;
  /** Each socket's session, re-checked at delivery: a socket of an ended session gets no event (lib/sockets/fan-out.ts). */
  readonly sessions: SessionLookup;
  /** How the announcer waits for the write that accompanies an avatar object (tests shorten it). */
  readonly settleDelaysMs?: readonly number[];
}

export const avatarUrl = (publicBaseUrl: string, userId: string, version: string) =>
  `${publicBaseUrl}/avatars/${userId}/${version}`;
