import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StageThrottle } from '#infra/stage-throttle';
import { ENV } from '#lib/config';
import { SITE_FOLDER } from '#lib/docs/site';
import { bucketEventDispatcher } from './bucket-events';
import { inProcessInvoker } from './function-invoker';
import type { IndexLag } from './dynamodb-index-lag';
import { startLocalDynamoDb, useDynamoDbEndpoint } from './local-dynamodb';
import { LOCAL_S3_CREDENTIALS, LOCAL_S3_REGION, startLocalS3 } from './local-s3';
import { ensureSigningKeyFile } from './signing-key-file';
import { startGatewayServer } from './gateway-server';
import { startSchedules, type ScheduleSetting } from './schedules';

export interface EmbeddedStackOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** The interface the gateway and the local S3 listen on. */
  readonly host: string;
  /** The local S3's port; 0 (the default) picks a free one. */
  readonly s3Port?: number;
  /** Where clients reach the gateway (ISSUER, the base of every URL it hands out); default http://localhost:<port>. */
  readonly publicUrl?: string;
  /** A folder to persist into, or ':memory:' to keep nothing. */
  readonly dataDir: string;
  readonly projectRoot: string;
  /**
   * A DynamoDB endpoint to use instead of starting dynalite (`AWS_ENDPOINT_URL_DYNAMODB`, the AWS SDK's own
   * variable: Amazon's DynamoDB Local, for one). The table is created there when it is missing.
   */
  readonly dynamodbEndpoint?: string;
  /** Default `halo`. */
  readonly tableName?: string;
  /**
   * Tests only: `false` turns off the local S3's checks (local/s3-auth/), as if the bucket were publicly
   * writable, to prove that the functions still refuse what it lets in. `npm start` never sets it.
   */
  readonly s3Checks?: boolean;
  /** Makes the byUser index lag behind the table, as DynamoDB's may (local/dynamodb-index-lag.ts); off when unset. */
  readonly indexLag?: IndexLag;
  /** Tests only: the local S3 accepts injected failures (local/s3-auth/faults.ts); `LOCAL_S3_FAULTS=on`. */
  readonly s3Faults?: boolean;
  /** The catalog's schedules (local/schedules.ts): at their periods by default. */
  readonly schedules?: ScheduleSetting;
}

export interface EmbeddedStack {
  readonly url: string;
  /** Both API stages' throttle, the stack's own (infra/stage-throttle.ts). */
  readonly throttle: StageThrottle;
  /** The HTTP API's per-route throttles (infra/route-throttles.ts); empty with HALO_ROUTE_THROTTLES=off. */
  readonly routeThrottles: ReadonlyMap<string, StageThrottle>;
  readonly websocketUrl: string;
  readonly s3Endpoint: string;
  /** s3rver behind the local S3's checks: where its object events start (the bench attributes work by port). */
  readonly s3StoreEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly tableName: string;
  close(): Promise<void>;
}

export const TABLE_NAME = 'halo';
export const AVATAR_BUCKET = 'halo-avatars';
/**
 * What every local AWS call is signed with, whatever AWS credentials the shell has: s3rver accepts only its
 * own key pair (dynalite and DynamoDB Local accept any), and nothing local should ever be signed with real
 * credentials. DynamoDB Local started without -sharedDb keeps one database per access key and region: the
 * table is then under this key in us-east-1.
 */

/**
 * The whole service with nothing but Node: dynalite for DynamoDB (or any DynamoDB endpoint given), s3rver for S3 (its object events
 * invoking the functions the bucket notifies), a key file for the signing-key secret, and one port
 * serving the HTTP API, the WebSocket API (at /ws) and its `@connections` management endpoint. The
 * handlers are the same modules Lambda runs and read the same environment variables, set here before
 * the first one is imported.
 */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const inMemory = options.dataDir === ':memory:';
  const dataDir = inMemory ? undefined : resolve(options.dataDir);
  // In memory mode the key still needs a file for the handlers' config: a private temp folder, removed on close.
  const keyDir = dataDir ?? (await mkdtemp(join(tmpdir(), 'halo-')));
  const keyFile = join(keyDir, 'signing-keys.json');
  const publicKeyFile = join(keyDir, 'public-keys.json');

  const invoke = inProcessInvoker(options.projectRoot);
  const tableName = options.tableName ?? TABLE_NAME;
  const dynamodb = options.dynamodbEndpoint
    ? await useDynamoDbEndpoint(options.dynamodbEndpoint, tableName, LOCAL_S3_CREDENTIALS, { indexLag: options.indexLag })
    : await startLocalDynamoDb(dataDir && join(dataDir, 'dynamodb'), tableName, { indexLag: options.indexLag });
  const s3 = await startLocalS3(dataDir && join(dataDir, 's3'), AVATAR_BUCKET, bucketEventDispatcher(invoke), {
    host: options.host,
    port: options.s3Port,
    checks: options.s3Checks ?? true,
    faults: options.s3Faults ?? false,
  });
  await ensureSigningKeyFile(keyFile, publicKeyFile);
  const schedules = startSchedules(invoke, options.schedules ?? 'catalog');

  const gateway = await startGatewayServer({
    port: options.port,
    host: options.host,
    publicUrl: options.publicUrl,
    invoke,
    control: (req, res, path) => schedules.handle(req, res, path),
    beforeServing: (url) => {
      Object.assign(process.env, {
        // Every function's variables at once: the handlers share this one process.
        [ENV.tableName]: tableName,
        [ENV.dynamodbEndpoint]: dynamodb.endpoint,
        [ENV.avatarBucket]: AVATAR_BUCKET,
        [ENV.s3Endpoint]: s3.endpoint,
        [ENV.issuer]: url,
        [ENV.connectionsEndpoint]: url,
        // The issuers' runtime module reads the private key set, the verifiers' the public one only
        // (functions/common/runtime/signing-keys.ts, public-keys.ts): one process, so one environment for all.
        [ENV.signingKeyFile]: keyFile,
        [ENV.publicKeySetFile]: publicKeyFile,
        // The documentation site, built by `npm run docs:build` (local/start.ts builds it when missing or stale).
        DOCS_DIR: join(options.projectRoot, SITE_FOLDER),
        // Always these, whatever AWS credentials the shell has: the local S3 accepts only its own key pair
        // (dynalite accepts any), and nothing local should ever be signed with real credentials.
        AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
        AWS_SESSION_TOKEN: '',
        AWS_REGION: LOCAL_S3_REGION,
      });
    },
  });

  return {
    url: gateway.url,
    throttle: gateway.throttle,
    routeThrottles: gateway.routeThrottles,
    websocketUrl: gateway.websocketUrl,
    s3Endpoint: s3.endpoint,
    s3StoreEndpoint: s3.storeEndpoint,
    dynamodbEndpoint: dynamodb.endpoint,
    tableName,
    async close() {
      schedules.close();
      await gateway.close();
      await s3.close();
      await dynamodb.close();
      if (inMemory) await rm(keyDir, { recursive: true, force: true });
    },
  };
}
