import { createConnectionsRepository } from '#lib/storage/connections-repository';
import { dynamodb, tableName } from './dynamodb';

/** The connection records alone (DynamoDB): what `$disconnect` needs, without the `@connections` client. */
export const connections = createConnectionsRepository(dynamodb, tableName);

/** `$disconnect`'s deps: the connection records alone. */
export const disconnectDeps = { connections };
