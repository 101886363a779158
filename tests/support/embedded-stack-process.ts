import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningStack {
  readonly url: string;
  readonly websocketUrl: string;
  readonly dynamodbEndpoint: string;
  /** `halo`, unless the stack runs on a shared DynamoDB endpoint (see `sharedDynamoDb`). */
  readonly tableName: string;
  readonly s3Endpoint: string;
  readonly output: () => string;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Sends SIGKILL (a crash: nothing gets to clean up or flush) and resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * The suite registers and logs in hundreds of times, all from 127.0.0.1, so its stacks run with abuse
 * limits no test reaches. A test of the limits themselves starts one with `limits: 'real'` (the defaults)
 * or sets its own in `env`.
 */
const RELAXED_LIMITS = {
  LOGIN_FREE_FAILURES: '100000',
  LOGIN_IDENTIFIER_ATTACK_FAILURES: '100000',
  LOGIN_SOURCE_FREE_FAILURES: '100000',
  REGISTRATIONS_PER_SOURCE: '100000',
  SOCKETS_PER_USER: '100000',
  UPLOAD_FORMS_PER_USER: '100000',
  // The expensive routes' own throttles (sign-up: bursts of 20, then 10 a second) would refuse a suite that signs
  // up dozens of accounts at once; tests/e2e/stage-throttle.e2e.test.ts runs them on.
  HALO_ROUTE_THROTTLES: 'off',
};

/**
 * Where TEST_DYNAMODB_ENDPOINT names a DynamoDB (the suite's pass on Amazon's DynamoDB Local, tests/dynamodb-local/),
 * the stack uses it as `AWS_ENDPOINT_URL_DYNAMODB=… npm start` would, with a table of its own: every stack of
 * every worker shares that one engine. A stack restarted on the same DATA_DIR finds its table again, as it
 * finds its dynalite files.
 */
function sharedDynamoDb(dataDir: string): Record<string, string> {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) return {};
  const suffix = dataDir === ':memory:' ? randomUUID() : createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 32);
  return { AWS_ENDPOINT_URL_DYNAMODB: endpoint, TABLE_NAME: `halo-${suffix}` };
}

/**
 * The stage throttle stays on in every stack, as in `npm start` and on AWS (1,000 requests/s, bursts of 500
 * per API: infra/stage-throttle.ts), which no ordinary test comes near. A test that deliberately fires volume
 * at the stack to check Halo's own answers (the fuzz suites) passes this in `env`, so that no 429 of the
 * throttle stands in for the answer it is checking.
 */
export const UNTHROTTLED_STAGES: Readonly<Record<string, string>> = { HALO_THROTTLE_RATE: '1000000', HALO_THROTTLE_BURST: '1000000', HALO_ROUTE_THROTTLES: 'off' };

/**
 * Starts the embedded default exactly as `npm start` does (a separate Node process running
 * local/start.ts), on a free port, and waits for it to print its URL.
 */
export async function startStackProcess(
  options: { dataDir?: string; env?: Record<string, string>; limits?: 'relaxed' | 'real'; entry?: string } = {},
): Promise<RunningStack> {
  const child = spawn(process.execPath, ['--import', 'tsx', options.entry ?? 'local/start.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      ...(options.limits === 'real' ? {} : RELAXED_LIMITS),
      // The stack's own throttle, whatever the shell that runs the tests has set.
      HALO_THROTTLE_RATE: '',
      HALO_THROTTLE_BURST: '',
      PORT: '0',
      DATA_DIR: options.dataDir ?? ':memory:',
      ...sharedDynamoDb(options.dataDir ?? ':memory:'),
      NODE_OPTIONS: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Once its streams are closed, the whole output is kept for the suite's final secrets check (global-teardown.ts).
  const closed = new Promise<number | null>((done) =>
    child.once('close', (code: number | null) => {
      keepOutput(output);
      done(code);
    }),
  );

  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the stack did not start within 20 s:\n${output}`)), 20_000);
    const look = () => {
      const match = /HTTP API\s+(http:\/\/\S+)\/api/.exec(output);
      if (match?.[1] && output.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        done(match[1]);
      }
    };
    child.stdout?.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the stack exited with ${code} before starting:\n${output}`));
    });
  });

  const printed = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(output)?.[1] ?? '';
  return {
    url,
    websocketUrl: printed('WebSocket'),
    dynamodbEndpoint: printed('DynamoDB'),
    tableName: /DynamoDB\s+\S+\s+\(.*table "([^"]+)"/.exec(output)?.[1] ?? 'halo',
    s3Endpoint: printed('S3'),
    output: () => output,
    stop: () => stopProcess(child, closed),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await closed;
    },
  };
}

function stopProcess(child: ChildProcess, closed: Promise<number | null>): Promise<number | null> {
  if (child.exitCode !== null) return closed;
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  child.kill('SIGINT');
  return closed.finally(() => clearTimeout(killer));
}

function keepOutput(output: string): void {
  const folder = process.env.HALO_STACK_OUTPUT_DIR;
  if (folder) writeFileSync(join(folder, `${randomUUID()}.log`), output);
}

export async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'halo-e2e-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
