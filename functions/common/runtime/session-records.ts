import { createSessionsRepository } from '#lib/storage/sessions-repository';
import { dynamodb, tableName } from './dynamodb';

/**
 * The session records alone: what socket delivery and ping need to re-check a socket's session, without the
 * token machinery (and its signing-key source) that ./sessions.ts brings.
 */
export const sessionRecords = createSessionsRepository(dynamodb, tableName);
