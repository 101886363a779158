import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { BY_USER_INDEX, createTableInput, TABLE_KEYS, TTL_ATTRIBUTE } from '#lib/storage/table-design';
import { startIndexLagProxy, type IndexLag, type IndexLagProxy } from './dynamodb-index-lag';

export interface LocalDynamoDb {
  readonly endpoint: string;
  /** Set when started with `indexLag`: the proxy that `endpoint` names, to release index changes and run TTL. */
  readonly indexLag?: IndexLagProxy;
  close(): Promise<void>;
}

/**
 * dynalite on a loopback port, persisted with LevelDB under `dir` (or in memory when `dir` is undefined).
 * Table operations are instant: with dynalite's default 500 ms a write right after CreateTable fails.
 * With `indexLag`, `endpoint` is a proxy in front of it whose byUser index lags as DynamoDB's does (local/dynamodb-index-lag.ts).
 */
export async function startLocalDynamoDb(dir: string | undefined, tableName: string, options: { indexLag?: IndexLag } = {}): Promise<LocalDynamoDb> {
  if (dir) await mkdir(dir, { recursive: true });
  const server = dynalite({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await ensureTable(endpoint, tableName, { accessKeyId: 'local', secretAccessKey: 'local' });
  const indexLag = await lagProxy(endpoint, options.indexLag);
  return {
    endpoint: indexLag?.endpoint ?? endpoint,
    indexLag,
    async close() {
      await indexLag?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Any DynamoDB endpoint given instead of dynalite (`AWS_ENDPOINT_URL_DYNAMODB`: Amazon's DynamoDB Local, for
 * one), with the table created when it is missing. Nothing is started, so closing leaves the endpoint running.
 */
export async function useDynamoDbEndpoint(
  endpoint: string,
  tableName: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  options: { indexLag?: IndexLag } = {},
): Promise<LocalDynamoDb> {
  await ensureTable(endpoint, tableName, credentials);
  const indexLag = await lagProxy(endpoint, options.indexLag);
  return { endpoint: indexLag?.endpoint ?? endpoint, indexLag, close: async () => indexLag?.close() };
}

/** The index-lag proxy in front of `endpoint`, when a lag is asked for (the engine must not check signatures). */
function lagProxy(endpoint: string, lag: IndexLag | undefined): Promise<IndexLagProxy | undefined> {
  if (!lag) return Promise.resolve(undefined);
  return startIndexLagProxy({ target: endpoint, table: TABLE_KEYS, index: BY_USER_INDEX, ttlAttribute: TTL_ATTRIBUTE, lag });
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
