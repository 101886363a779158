import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { BY_USER_INDEX, createTableInput, TABLE_KEYS, TTL_ATTRIBUTE } from '../lib/storage/table-design';
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

  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error; // an existing table is kept as it is
  } finally {
    client.destroy();
  }

  const indexLag = options.indexLag
    ? await startIndexLagProxy({ target: endpoint, table: TABLE_KEYS, index: BY_USER_INDEX, ttlAttribute: TTL_ATTRIBUTE, lag: options.indexLag })
    : undefined;
  return {
    endpoint: indexLag?.endpoint ?? endpoint,
    indexLag,
    async close() {
      await indexLag?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
