import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startStackProcess, type RunningStack } from './embedded-stack-process';

/**
 * Looks straight into a running embedded stack's table and bucket: how end-to-end tests prove that
 * nothing of a user is left behind. Only tests scan; no request path does.
 */
export function inspect(stack: RunningStack) {
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials }));
  const s3 = new S3Client({ endpoint: stack.s3Endpoint, region: 'us-east-1', credentials, forcePathStyle: true });

  return {
    async items(): Promise<Record<string, unknown>[]> {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(new ScanCommand({ TableName: stack.tableName, ExclusiveStartKey: start, ConsistentRead: true }));
        items.push(...((page.Items as Record<string, unknown>[] | undefined) ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    /** Every item that mentions the user id anywhere (keys, index keys or attributes). */
    async itemsOf(userId: string) {
      return (await this.items()).filter((item) => JSON.stringify(item).includes(userId));
    },
    /** Every key under `prefix`, page after page (S3 answers at most 1,000 keys per listing). */
    async objectKeys(prefix = ''): Promise<string[]> {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: 'halo-avatars', Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    /**
     * Moves the user's socket records `ms` into the past, as if their sockets had connected that much earlier
     * (the fan-out spares records younger than its connecting grace: lib/sockets/fan-out.ts).
     */
    async ageConnectionsOf(userId: string, ms: number): Promise<void> {
      for (const item of await this.itemsOf(userId)) {
        if (!String(item.pk).startsWith('CONN#')) continue;
        const connectedAt = new Date(new Date(String(item.connectedAt)).getTime() - ms).toISOString();
        await db.send(
          new UpdateCommand({
            TableName: stack.tableName,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: 'SET connectedAt = :at',
            ExpressionAttributeValues: { ':at': connectedAt },
          }),
        );
      }
    },
    close() {
      db.destroy();
      s3.destroy();
    },
  };
}

export interface InspectedStack {
  readonly stack: RunningStack;
  readonly look: ReturnType<typeof inspect>;
}

/**
 * The calling test file's embedded stack and an inspector of its table and bucket: started before its tests,
 * closed after them all. Read `.stack` and `.look` inside tests (they exist once `beforeAll` has run).
 */
export function useInspectedStack(): InspectedStack {
  let target: InspectedStack | undefined;
  const started = () => {
    if (!target) throw new Error('the stack is used before beforeAll started it');
    return target;
  };
  beforeAll(async () => {
    const stack = await startStackProcess();
    target = { stack, look: inspect(stack) };
  });
  afterAll(async () => {
    target?.look.close();
    await target?.stack.stop();
  });
  return {
    get stack() {
      return started().stack;
    },
    get look() {
      return started().look;
    },
  };
}
