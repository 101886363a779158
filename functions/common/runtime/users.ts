import { createUsersRepository } from '#lib/storage/users-repository';
import { dynamodb, tableName } from './dynamodb';

/** The user records alone, for functions that read users but never verify a token or a password (ws-message). */
export const users = createUsersRepository(dynamodb, tableName);
