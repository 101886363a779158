import type { SocketDeps } from '../../../lib/sockets/socket-sessions';
import { config } from './config';
import { connections } from './connections';
import { sockets } from './management-api';
import { sessionDeps } from './sessions';

export { connections, sockets };

export const socketDeps: SocketDeps = { account: sessionDeps, connections, sockets, limits: config.limits.sockets };
