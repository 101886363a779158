import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { BY_USER_INDEX, createTableInput, TABLE_KEYS, TTL_ATTRIBUTE } from '#lib/storage/table-design';
import { startIndexLagProxy, type IndexLag, type IndexLagProxy } from '#local/dynamodb-index-lag';
import { startLocalDynamoDb } from '#local/local-dynamodb';

export interface TestTable {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Names of every command sent so far, to prove that no request path scans. */
  readonly commands: string[];
  /** With `indexLag`: the proxy the table is reached through, whose byUser index lags (local/dynamodb-index-lag.ts). */
  readonly indexLag?: IndexLagProxy;
  scanAll(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Dummy keys for an engine on this machine (dynalite, DynamoDB Local: they accept any), the environment's own
 * for any other endpoint (a real region).
 */
export function testDynamoDbCredentials(endpoint: string | undefined) {
  if (!endpoint) return LOCAL_CREDENTIALS;
  const { hostname } = new URL(endpoint);
  return ['127.0.0.1', 'localhost', '[::1]'].includes(hostname) ? LOCAL_CREDENTIALS : undefined;
}

/**
 * A fresh table for one test file: in-memory dynalite by default, or any DynamoDB-compatible endpoint
 * named by TEST_DYNAMODB_ENDPOINT (DynamoDB Local, LocalStack, a real region with credentials).
 * With `indexLag`, every client goes through the index-lag proxy (in front of the external endpoint too, which
 * then must not check signatures: DynamoDB Local and LocalStack do not, a real region does).
 */
export async function createTestTable(options: { indexLag?: IndexLag } = {}): Promise<TestTable> {
  const external = process.env.TEST_DYNAMODB_ENDPOINT;
  const tableName = `halo-test-${randomUUID()}`;
  const local = external ? undefined : await startLocalDynamoDb(undefined, tableName, { indexLag: options.indexLag });
  const indexLag =
    local?.indexLag ??
    (external && options.indexLag
      ? await startIndexLagProxy({ target: external, table: TABLE_KEYS, index: BY_USER_INDEX, ttlAttribute: TTL_ATTRIBUTE, lag: options.indexLag })
      : undefined);
  const endpoint = indexLag?.endpoint ?? external ?? local?.endpoint;
  const client = new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: testDynamoDbCredentials(external),
  });
  if (external) await client.send(new CreateTableCommand(createTableInput(tableName)));

  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  // A client of its own, so the test's scans are not recorded among the commands of the code under test.
  const scanner = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: testDynamoDbCredentials(external) }),
  );
  const commands: string[] = [];
  db.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );

  return {
    db,
    tableName,
    commands,
    indexLag,
    // Only tests scan: it is how they prove what is (and is not) left in the table.
    async scanAll() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await scanner.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
        items.push(...((page.Items as Record<string, unknown>[] | undefined) ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async close() {
      if (external) await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
      scanner.destroy();
      if (!local) await indexLag?.close();
      await local?.close();
    },
  };
}
