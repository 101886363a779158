import type { IdentifierChangeDeps } from '#lib/accounts/identifier-deps';
import { createIdentifiersRepository } from '#lib/storage/identifiers-repository';
import { connections } from './connections';
import { dynamodb, tableName } from './dynamodb';
import { sockets } from './management-api';
import { sessionDeps } from './sessions';

/** Adding and removing identifiers (add-identifier, remove-identifier): the caller's session, the map, and the sockets told of it. */
export const identifierChangeDeps: IdentifierChangeDeps = {
  session: sessionDeps,
  identifiers: createIdentifiersRepository(dynamodb, tableName),
  connections,
  sockets,
};
