import type { SocketSender } from '../sockets/socket-sender';
import type { AvatarRepository } from '../storage/avatar-repository';
import type { ConnectionsRepository } from '../storage/connections-repository';
import type { AvatarObjects } from './avatar-objects';

export interface AvatarDeps {
  readonly avatars: AvatarRepository;
  readonly objects: AvatarObjects;
  readonly connections: ConnectionsRepository;
  readonly sockets: SocketSender;
  /** Public base URL of the service: avatar URLs are `${publicBaseUrl}/avatars/<userId>/<version>`. */
  readonly publicBaseUrl: string;
  readonly clock: () => Date;
  /** How the announcer waits for the write that accompanies an avatar object (tests shorten it). */
  readonly settleDelaysMs?: readonly number[];
}

export const avatarUrl = (publicBaseUrl: string, userId: string, version: string) =>
  `${publicBaseUrl}/avatars/${userId}/${version}`;
