import type { SocketSender } from '../sockets/socket-sender';
import type { ConnectionsRepository } from '../storage/connections-repository';
import type { IdentifiersRepository } from '../storage/identifiers-repository';
import type { SessionDeps } from './account-deps';

/** Adding and removing identifiers: the caller's session, the map's writes, and the sockets to tell. */
export interface IdentifierChangeDeps {
  readonly session: SessionDeps;
  readonly identifiers: IdentifiersRepository;
  readonly connections: ConnectionsRepository;
  readonly sockets: SocketSender;
}
