import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LOCAL_WEBSOCKET_PATH, WEBSOCKET_ROUTES } from '../infra/catalog';
import { bucketEventDispatcher } from './bucket-events';
import { inProcessInvoker } from './function-invoker';
import { httpApi } from './http-api';
import { startLocalDynamoDb } from './local-dynamodb';
import { startLocalS3 } from './local-s3';
import { ensureSigningKeyFile } from './signing-key-file';
import { websocketApi, type WebSocketRoute } from './websocket-api';

export interface EmbeddedStackOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  /** A folder to persist into, or ':memory:' to keep nothing. */
  readonly dataDir: string;
  readonly projectRoot: string;
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
const CONNECTIONS_PATH = /^\/@connections\/([^/]+)$/;

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
  const dynamodb = await startLocalDynamoDb(dataDir && join(dataDir, 'dynamodb'), TABLE_NAME);
  const s3 = await startLocalS3(dataDir && join(dataDir, 's3'), AVATAR_BUCKET, bucketEventDispatcher(invoke));
  await ensureSigningKeyFile(keyFile);

  const server = createServer();
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  const publicHost = `localhost:${port}`;
  const url = `http://${publicHost}`;

  Object.assign(process.env, {
    TABLE_NAME,
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    AVATAR_BUCKET,
    S3_ENDPOINT: s3.endpoint,
    ISSUER: url,
    WEBSOCKET_CONNECTIONS_ENDPOINT: url,
    SIGNING_KEY_FILE: keyFile,
    // Always these, whatever AWS credentials the shell has: s3rver accepts only its own key pair
    // (dynalite accepts any), and nothing local should ever be signed with real credentials.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SESSION_TOKEN: '',
    AWS_REGION: 'us-east-1',
  });

  const routes = new Map<string, WebSocketRoute>(WEBSOCKET_ROUTES.map(({ route, fn, returnResponse }) => [route, { fn, returnResponse: Boolean(returnResponse) }]));
  const sockets = websocketApi({ routes, invoke, publicHost });
  const http = httpApi(invoke, publicHost);

  server.on('request', (req: IncomingMessage, res) => {
    const connection = CONNECTIONS_PATH.exec(new URL(req.url ?? '/', url).pathname);
    const handled = connection?.[1]
      ? readAll(req).then((body) => sockets.manage(req, res, decodeURIComponent(connection[1] ?? ''), body))
      : http(req, res);
    handled.catch((error: unknown) => {
      console.error('[embedded] request failed', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    if (new URL(req.url ?? '/', url).pathname !== LOCAL_WEBSOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    sockets.upgrade(req, socket, head).catch((error: unknown) => {
      console.error('[embedded] upgrade failed', error);
      socket.destroy();
    });
  });

  return {
    url,
    websocketUrl: `ws://${publicHost}${LOCAL_WEBSOCKET_PATH}`,
    s3Endpoint: s3.endpoint,
    dynamodbEndpoint: dynamodb.endpoint,
    async close() {
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await s3.close();
      await dynamodb.close();
      if (inMemory) await rm(keyDir, { recursive: true, force: true });
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => server.once('error', fail).listen(port, host, () => done()));
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
