import { HaloError } from '#lib/errors';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccountDeps } from '#lib/accounts/account-deps';
import type { DeletionDeps } from '#lib/accounts/delete-account';
import type { IdentifierChangeDeps } from '#lib/accounts/identifier-deps';
import { createIdentifiersRepository } from '#lib/storage/identifiers-repository';
import { announceAvatar } from '#lib/avatars/announce-avatar';
import type { AvatarDeps } from '#lib/avatars/avatar-deps';
import { createAvatarObjects, parseObjectKey } from '#lib/avatars/avatar-objects';
import { processUpload } from '#lib/avatars/process-upload';
import { createUploadGrantsRepository } from '#lib/storage/upload-grants-repository';
import { landing } from '../support/in-memory-upload-grants';
import { managementApiSender } from '#lib/sockets/socket-sender';
import type { SocketDeps } from '#lib/sockets/socket-sessions';
import { createAvatarRepository } from '#lib/storage/avatar-repository';
import { createConnectionsRepository } from '#lib/storage/connections-repository';
import { createOwnedItemsRepository } from '#lib/storage/owned-items';
import { createPendingDeletionsRepository } from '#lib/storage/pending-deletions-repository';
import { PENDING_DELETIONS_PARTITION } from '#lib/storage/table-design';
import { createSessionsRepository } from '#lib/storage/sessions-repository';
import { createUsersRepository } from '#lib/storage/users-repository';
import type { IndexLag } from '#local/dynamodb-index-lag';
import { startLocalS3, type LocalS3 } from '#local/local-s3';
import { describeCall, injectFaults, isWrite, type FaultInjector, type FaultTiming, type SdkCall } from '../support/fault-injection';
import { findOrphans, listAllKeys } from '../support/orphan-scan';
import { realAccountDeps } from '../support/real-account-deps';
import { createTestTable, testDynamoDbCredentials, type TestTable } from '../support/test-table';

/**
 * What every fault test file needs: dynalite, the local S3 and a local `@connections` server, with
 * real SDK clients pointed at them. Each `actor()` gets clients of its own with a fault injector on
 * them, so a test can fail (or pause) the calls of one flow while another runs untouched.
 */

const BUCKET = 'halo-faults';
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const LOCAL_S3_SETTINGS = {
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: LOCAL_CREDENTIALS,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
} as const;

/**
 * A stand-in for API Gateway's `@connections` endpoint: connections in `live` are open sockets (a POST
 * is received, a DELETE closes them); any other id answers 410 with `x-amzn-ErrorType: GoneException`,
 * as API Gateway does for a closed socket or one whose `$connect` has not finished.
 */
export interface ConnectionsServer {
  readonly endpoint: string;
  readonly live: Set<string>;
  readonly received: Map<string, unknown[]>;
  close(): Promise<void>;
}

async function startConnectionsServer(): Promise<ConnectionsServer> {
  const live = new Set<string>();
  const received = new Map<string, unknown[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = decodeURIComponent(/^\/@connections\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '');
      if (!live.has(id)) {
        res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' }).end('{"message":"Gone"}');
        return;
      }
      if (req.method === 'DELETE') {
        live.delete(id);
        res.writeHead(204).end();
        return;
      }
      received.set(id, [...(received.get(id) ?? []), JSON.parse(Buffer.concat(chunks).toString())]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    live,
    received,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** One flow's view of the stack: its own SDK clients, its own injector, the real lib/ dependencies on them. */
export interface Actor {
  readonly faults: FaultInjector;
  /** The actor's own SDK clients, the injector on each. */
  readonly clients: { readonly db: DynamoDBDocumentClient; readonly s3: S3Client; readonly management: ApiGatewayManagementApiClient };
  readonly account: AccountDeps;
  readonly avatars: AvatarDeps;
  readonly deletion: DeletionDeps;
  readonly sockets: SocketDeps;
  /** Adding and removing identifiers. */
  readonly identifiers: IdentifierChangeDeps;
  destroy(): void;
}

export interface FaultStack {
  readonly table: TestTable;
  readonly s3: S3Client;
  readonly connections: ConnectionsServer;
  readonly bucket: string;
  /** A new actor; the default one is `main`. */
  actor(): Actor;
  readonly main: Actor;
  /** Puts an object without any injector in the way (a browser's direct upload, a test's set-up). */
  putObject(key: string, body: Uint8Array): Promise<void>;
  /** Records the upload grant create-avatar-upload writes with a form, without any injector in the way. */
  grantUpload(userId: string, uploadId: string): Promise<void>;
  /**
   * What S3 event notifications do after a flow: every object under avatars/ is announced and every
   * raw upload processed, until nothing new appears (processing an upload writes an avatar). Runs
   * without faults, as the retried Lambda would once the outage is over.
   */
  settleBucket(): Promise<void>;
  /** The orphan scan over the whole table and bucket; `now` defaults to past every sign-up window. */
  orphans(options?: { now?: Date; liveConnections?: boolean }): Promise<string[]>;
  close(): Promise<void>;
}

/** `indexLag`: reach the table through the index-lag proxy (local/dynamodb-index-lag.ts), as `table.indexLag`. */
export async function startFaultStack(options: { indexLag?: IndexLag } = {}): Promise<FaultStack> {
  const table = await createTestTable(options);
  const s3server: LocalS3 = await startLocalS3(undefined, BUCKET, () => undefined);
  const s3 = new S3Client({ ...LOCAL_S3_SETTINGS, endpoint: s3server.endpoint });
  const connections = await startConnectionsServer();
  const dynamodbEndpoint = await endpointOf(table);
  const actors: Actor[] = [];
  // One signing key set for every actor, so a token one actor issues is good for all of them.
  const base = realAccountDeps(table);

  const actor = (): Actor => {
    const raw = dynamodbEndpoint
      ? new DynamoDBClient({
          endpoint: dynamodbEndpoint,
          region: process.env.AWS_REGION ?? 'us-east-1',
          credentials: testDynamoDbCredentials(process.env.TEST_DYNAMODB_ENDPOINT),
        })
      : undefined;
    const db = raw ? DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }) : table.db;
    const actorS3 = new S3Client({ ...LOCAL_S3_SETTINGS, endpoint: s3server.endpoint });
    const management = new ApiGatewayManagementApiClient({ endpoint: connections.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    const faults = injectFaults(db, actorS3, management);
    const users = createUsersRepository(db, table.tableName);
    const sessions = createSessionsRepository(db, table.tableName);
    const account: AccountDeps = { ...base, users, sessions };
    const connectionsRepository = createConnectionsRepository(db, table.tableName);
    const sender = managementApiSender(management);
    // Presigning runs through a client's middleware too; a client of its own keeps it out of the counts.
    const objects = createAvatarObjects(actorS3, s3, BUCKET);
    const avatars: AvatarDeps = {
      avatars: createAvatarRepository(db, table.tableName),
      objects,
      uploadGrants: createUploadGrantsRepository(db, table.tableName),
      connections: connectionsRepository,
      sockets: sender,
      sessions,
      publicBaseUrl: base.settings.publicBaseUrl,
      clock: () => new Date(),
      settleDelaysMs: [10, 20, 40],
    };
    const deletion: DeletionDeps = {
      users,
      ownedItems: createOwnedItemsRepository(db, table.tableName),
      connections: connectionsRepository,
      sockets: sender,
      objects,
      pendingDeletions: createPendingDeletionsRepository(db, table.tableName),
      clock: () => new Date(),
      // dynalite's own index never lags; behind the index-lag proxy the deletion waits for it as on AWS.
      indexSettleMs: options.indexLag ? undefined : 0,
    };
    const created: Actor = {
      faults,
      clients: { db, s3: actorS3, management },
      account,
      avatars,
      deletion,
      sockets: { account, connections: connectionsRepository, sockets: sender, limits: DEFAULT_LIMITS.sockets },
      identifiers: { session: account, identifiers: createIdentifiersRepository(db, table.tableName), connections: connectionsRepository, sockets: sender },
      destroy() {
        raw?.destroy();
        actorS3.destroy();
        management.destroy();
      },
    };
    actors.push(created);
    return created;
  };
  const main = actor();
  const settler = actor();

  return {
    table,
    s3,
    connections,
    bucket: BUCKET,
    actor,
    main,
    async putObject(key, body) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    },
    async grantUpload(userId, uploadId) {
      await createUploadGrantsRepository(table.db, table.tableName).issue({ userId, uploadId, expiresAt: new Date(Date.now() + 600_000).toISOString() });
    },
    async settleBucket() {
      const handled = new Set<string>();
      for (let round = 0; round < 5; round++) {
        const fresh = (await listAllKeys(s3, BUCKET)).filter((key) => !handled.has(key));
        if (fresh.length === 0) return;
        for (const key of fresh) {
          handled.add(key);
          const target = parseObjectKey(key);
          if (target?.kind === 'upload') await processUpload(settler.avatars, target.userId, target.id, landing());
          if (target?.kind === 'avatar') await announceAvatar(settler.avatars, target.userId, target.id);
        }
      }
    },
    async orphans({ now = new Date(Date.now() + 10 * 60_000), liveConnections = true } = {}) {
      return findOrphans({
        items: await table.scanAll(),
        objectKeys: await listAllKeys(s3, BUCKET),
        now,
        liveConnectionIds: liveConnections ? connections.live : undefined,
      });
    },
    async close() {
      for (const each of actors) each.destroy();
      s3.destroy();
      await connections.close();
      await s3server.close();
      await table.close();
    },
  };
}

/** The endpoint the test table's client talks to, so actors can have clients of their own. */
async function endpointOf(table: TestTable): Promise<string | undefined> {
  const endpoint = await table.db.config.endpoint?.();
  return endpoint ? `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${endpoint.path}` : undefined;
}

/** Items of one user, by kind (`USER`, `IDENT`, `RT`, `RTF`, `CONN`, `DELETING`), from a full scan. */
export async function itemsOf(stack: FaultStack, userId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const item of await stack.table.scanAll()) {
    if (item.userId !== userId && item.id !== userId) continue;
    // A pending-deletion record (sorted by time) counts as `DELETING`.
    const kind = item.pk === PENDING_DELETIONS_PARTITION ? 'DELETING' : String(item.sk);
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** One test runs a flow once per fault case (dozens of runs): far more than Jest's default budget. */
export const FAULT_RUN_TIMEOUT_MS = 180_000;

/** An injected outage must reach the caller as it is: a HaloError would be a wrong verdict about the client. */
export const expectOutage = (error: unknown) => {
  if (error instanceof HaloError) throw new Error(`failed with ${error.code} (${JSON.stringify(error.fields)}) instead of the outage error`);
};

export interface FaultCase {
  /** 1-based position of the failed call in the flow. */
  readonly index: number;
  readonly call: SdkCall;
  readonly timing: FaultTiming;
  readonly label: string;
}

/**
 * One case per call of a successful run of the flow (the request never arrives), and for every write
 * a second one where the write is applied and its reply lost.
 */
export function faultCases(calls: readonly SdkCall[]): FaultCase[] {
  return calls.flatMap((call, i) =>
    (isWrite(call) ? (['before', 'after'] as const) : (['before'] as const)).map((timing) => ({
      index: i + 1,
      call,
      timing,
      label: `${describeCall(call, i + 1)} (${timing === 'before' ? 'failed' : 'applied, reply lost'})`,
    })),
  );
}

/**
 * Runs `check` for every case and collects what went wrong, so one test reports every broken step at
 * once. `faulted()` (the injector's record) tells which call the fault actually hit in that run.
 */
export async function eachFault(
  cases: readonly FaultCase[],
  check: (fault: FaultCase) => Promise<void>,
  faulted?: () => readonly SdkCall[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const fault of cases) {
    let hit = '';
    try {
      await check(fault);
    } catch (error) {
      const actual = faulted?.()[0];
      if (actual && (actual.operation !== fault.call.operation || JSON.stringify(actual.input) !== JSON.stringify(fault.call.input))) {
        hit = ` [this run failed ${actual.service}:${actual.operation} instead]`;
      }
      problems.push(`${fault.label}${hit}: ${(error as Error).message.replace(/\s+/g, ' ').slice(0, 600)}`);
    }
  }
  return problems;
}
