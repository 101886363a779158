import type { PingDeps } from '#lib/sockets/socket-sessions';
import { connections } from './connections';
import { sockets } from './management-api';
import { sessionRecords } from './session-records';
import { users } from './users';

/** Messages on a socket (ws-message): the connection and user records, and the `@connections` client to close a socket whose user is gone. */
export const pingDeps: PingDeps = { account: { users, sessions: sessionRecords, clock: () => new Date() }, connections, sockets };
