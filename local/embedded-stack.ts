import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SITE_FOLDER } from '../lib/docs/site';
import { bucketEventDispatcher } from './bucket-events';
import { inProcessInvoker } from './function-invoker';
import type { IndexLag } from './dynamodb-index-lag';
import { startLocalDynamoDb } from './local-dynamodb';
import { startLocalS3 } from './local-s3';
import { ensureSigningKeyFile } from './signing-key-file';
import { startGatewayServer } from './gateway-server';

export interface EmbeddedStackOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  /** A folder to persist into, or ':memory:' to keep nothing. */
  readonly dataDir: string;
  readonly projectRoot: string;
  /** Makes the byUser index lag behind the table, as DynamoDB's may (local/dynamodb-index-lag.ts); off when unset. */
  readonly indexLag?: IndexLag;
}

export interface EmbeddedStack {
  readonly url: string;
  readonly websocketUrl: string;
  readonly s3Endpoint: string;
  readonly dynamodbEndpoint: string;
  close(): Promise<void>;
}

export const TABLE_NAME = 'halo';
export const AVATAR_BUCKET = 'halo-avatars';

/**
 * The whole service with nothing but Node: dynalite for DynamoDB, s3rver for S3 (its object events
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

  const invoke = inProcessInvoker(options.projectRoot);
  const dynamodb = await startLocalDynamoDb(dataDir && join(dataDir, 'dynamodb'), TABLE_NAME, { indexLag: options.indexLag });
  const s3 = await startLocalS3(dataDir && join(dataDir, 's3'), AVATAR_BUCKET, bucketEventDispatcher(invoke));
  await ensureSigningKeyFile(keyFile);

  const gateway = await startGatewayServer({
    port: options.port,
    host: options.host,
    invoke,
    beforeServing: (url) => {
      Object.assign(process.env, {
        TABLE_NAME,
        DYNAMODB_ENDPOINT: dynamodb.endpoint,
        AVATAR_BUCKET,
        S3_ENDPOINT: s3.endpoint,
        ISSUER: url,
        WEBSOCKET_CONNECTIONS_ENDPOINT: url,
        SIGNING_KEY_FILE: keyFile,
        // The documentation site, built by `npm run docs:build` (local/start.ts builds it when missing or stale).
        DOCS_DIR: join(options.projectRoot, SITE_FOLDER),
        // Always these, whatever AWS credentials the shell has: s3rver accepts only its own key pair
        // (dynalite accepts any), and nothing local should ever be signed with real credentials.
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_SESSION_TOKEN: '',
        AWS_REGION: 'us-east-1',
      });
    },
  });

  return {
    url: gateway.url,
    websocketUrl: gateway.websocketUrl,
    s3Endpoint: s3.endpoint,
    dynamodbEndpoint: dynamodb.endpoint,
    async close() {
      await gateway.close();
      await s3.close();
      await dynamodb.close();
      if (inMemory) await rm(keyDir, { recursive: true, force: true });
    },
  };
}
