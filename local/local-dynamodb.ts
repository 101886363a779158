import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createTableInput } from '../lib/storage/table-design';

export interface LocalDynamoDb {
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * dynalite on a loopback port, persisted with LevelDB under `dir` (or in memory when `dir` is undefined).
 * Table operations are instant: with dynalite's default 500 ms a write right after CreateTable fails.
 */
export async function startLocalDynamoDb(dir: string | undefined, tableName: string): Promise<LocalDynamoDb> {
  if (dir) await mkdir(dir, { recursive: true });
  const server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error; // an existing table is kept as it is
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Any DynamoDB endpoint given instead of dynalite (`AWS_ENDPOINT_URL_DYNAMODB`: Amazon's DynamoDB Local, for
 * one), with the table created when it is missing. Nothing is started, so closing leaves the endpoint running.
 */
export async function useDynamoDbEndpoint(endpoint: string, tableName: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<LocalDynamoDb> {
  await ensureTable(endpoint, tableName, credentials);
  return { endpoint, close: async () => undefined };
}

/** Creates the table unless it exists (an existing one is kept as it is), then waits until it is ACTIVE. */
async function ensureTable(endpoint: string, tableName: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials });
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  try {
    // CreateTable answers CREATING on AWS (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html);
    // dynalite, started with createTableMs: 0, and DynamoDB Local answer ACTIVE at once, so this returns at once there.
    await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1 }, { TableName: tableName });
  } finally {
    client.destroy();
  }
}
