import type { SocketDeps } from '#lib/sockets/socket-sessions';
import { loadLimitsConfig } from '#lib/config';
import { connections } from './connections';
import { sessionDeps } from './sessions';

/** `$connect`'s deps: it records the socket but never sends to one, so no `@connections` client (nor its IAM grant). */
export const socketDeps: Omit<SocketDeps, 'sockets'> = { account: sessionDeps, connections, limits: loadLimitsConfig().limits.sockets };
