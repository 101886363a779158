import type { SocketDeps } from '../../../lib/sockets/socket-sessions';
import { accountDeps } from './accounts';
import { config } from './config';
import { connections } from './connections';
import { sockets } from './management-api';

export { connections, sockets };

export const socketDeps: SocketDeps = { account: accountDeps, connections, sockets, limits: config.limits.sockets };
