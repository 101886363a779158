import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inProcessInvoker } from './function-invoker';
import { httpApi } from './http-api';
import { startLocalDynamoDb } from './local-dynamodb';
import { ensureSigningKeyFile } from './signing-key-file';

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
  readonly dynamodbEndpoint: string;
  close(): Promise<void>;
}

export const TABLE_NAME = 'halo';

/**
 * The whole service on one port, with nothing but Node: dynalite for DynamoDB, a key file for the
 * signing-key secret, and the local HTTP API in front of the same handlers Lambda runs. The handlers
 * read their configuration from the environment, exactly as on Lambda, so it is set here before the
 * first handler is imported.
 */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const inMemory = options.dataDir === ':memory:';
  const dataDir = inMemory ? undefined : resolve(options.dataDir);
  // In memory mode the key still needs a file for the handlers' config: a private temp folder, removed on close.
  const keyDir = dataDir ?? (await mkdtemp(join(tmpdir(), 'halo-')));
  const keyFile = join(keyDir, 'signing-keys.json');

  const dynamodb = await startLocalDynamoDb(dataDir && join(dataDir, 'dynamodb'), TABLE_NAME);
  await ensureSigningKeyFile(keyFile);

  const server = createServer();
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  const publicHost = `localhost:${port}`;
  const url = `http://${publicHost}`;

  Object.assign(process.env, {
    TABLE_NAME,
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    ISSUER: url,
    SIGNING_KEY_FILE: keyFile,
    // The SDK wants credentials even for dynalite, which ignores them.
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  });

  const handle = httpApi(inProcessInvoker(options.projectRoot), publicHost);
  server.on('request', (req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('[embedded] request failed', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  return {
    url,
    dynamodbEndpoint: dynamodb.endpoint,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await dynamodb.close();
      if (inMemory) await rm(keyDir, { recursive: true, force: true });
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => server.once('error', fail).listen(port, host, () => done()));
}
