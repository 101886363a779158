import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { deployedFunctionName, FUNCTIONS } from '#infra/catalog';
import { deploymentChecks, runChecks, stackOutputs } from './check-deployment';
import { ensureSigningKey } from './signing-key';

/**
 * The compose `deployer` service (Dockerfile.deploy): deploys the CDK app into LocalStack and proves it
 * is there, then exits, 0 only if everything holds (the gateway starts only after that).
 *
 *   1. waits until LocalStack's health endpoint reports the services the stack uses;
 *   2. `cdklocal bootstrap` (once per LocalStack state; a no-op when already there);
 *   3. `cdklocal deploy -c target=localstack` (the target's settings come from the HALO_* variables
 *      docker-compose.yml sets: see infra/target.ts);
 *   4. writes the first signing key by running the rotation function's four steps, while the secret
 *      still holds CloudFormation's placeholder (LocalStack never runs rotation schedules);
 *   5. checks the functions, table, bucket, notification and secret through LocalStack's APIs, and
 *      invokes one function for real.
 *
 * Environment: AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3 (LocalStack, both required: cdklocal refuses one
 * without the other), AWS_REGION (us-east-1), HALO_STACK_NAME (Halo), plus the HALO_* target options.
 */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CDKLOCAL = join(PROJECT_ROOT, 'node_modules', '.bin', 'cdklocal');
/** LocalStack's account for any access key that is not itself a 12-digit account id (here `test`). */
const LOCALSTACK_ACCOUNT = '000000000000';
/** What the stack and the bootstrap stack use: LocalStack must report each `available` or `running`. */
const REQUIRED_SERVICES = ['cloudformation', 'dynamodb', 'iam', 'lambda', 'logs', 's3', 'secretsmanager', 'ssm', 'sts'];
const NODE_RUNTIME = 'nodejs22.x';

const endpoint = process.env.AWS_ENDPOINT_URL;
const region = process.env.AWS_REGION || 'us-east-1';
const stackName = process.env.HALO_STACK_NAME || 'Halo';

const log = (line: string) => console.log(line);

function fail(step: string, error: unknown): never {
  const reason = error instanceof Error ? error.message : String(error);
  console.error(
    [
      '',
      '################################################################################',
      `# HALO DEPLOY FAILED at: ${step}`,
      `# ${reason.split('\n').join('\n# ')}`,
      '# The gateway will not start. Fix the cause, then run `docker compose up` again',
      '# (`docker compose logs localstack` shows what LocalStack made of it).',
      '################################################################################',
    ].join('\n'),
  );
  process.exit(1);
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  log(`\n▶ ${name}`);
  const started = Date.now();
  try {
    const result = await run();
    log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } catch (error) {
    return fail(name, error);
  }
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  log(`  $ ${[command.replace(`${PROJECT_ROOT}/`, ''), ...args].join(' ')}`);
  return new Promise((done, failed) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit', env: { ...process.env, CI: 'true' } });
    child.on('error', failed);
    child.on('exit', (code, signal) => (code === 0 ? done() : failed(new Error(`${command} ${args[0]} exited with ${signal ?? code}`))));
  });
}

async function waitForLocalStack(url: string, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/_localstack/health`);
      const health = (await response.json()) as { services?: Record<string, string>; edition?: string; version?: string };
      const missing = REQUIRED_SERVICES.filter((service) => !['available', 'running'].includes(health.services?.[service] ?? ''));
      if (response.ok && missing.length === 0) return `LocalStack ${health.version ?? '?'} (${health.edition ?? '?'} edition)`;
      last = `not ready: ${missing.map((service) => `${service}=${health.services?.[service] ?? 'missing'}`).join(', ')}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((wait) => setTimeout(wait, 2000));
  }
  throw new Error(`LocalStack at ${url} is not ready after ${timeoutMs / 1000} s (${last})`);
}

if (!endpoint || !process.env.AWS_ENDPOINT_URL_S3) fail('configuration', new Error('AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3 must both point at LocalStack'));

log(`Deploying stack ${stackName} into LocalStack at ${endpoint} (${region})`);
const localstack = await step('wait for LocalStack', () => waitForLocalStack(endpoint));
log(`  ${localstack}`);

// Run outside the project: with cdk.json in the working directory, even an explicit environment makes
// the CLI synthesize the whole app first.
await step('bootstrap (cdklocal bootstrap)', async () =>
  run(CDKLOCAL, ['bootstrap', `aws://${LOCALSTACK_ACCOUNT}/${region}`, '--no-notices', '--progress', 'events'], await mkdtemp(join(tmpdir(), 'halo-bootstrap-'))),
);

const outputsFile = join(await mkdtemp(join(tmpdir(), 'halo-outputs-')), 'outputs.json');
await step(`deploy ${stackName} (cdklocal deploy -c target=localstack)`, () =>
  run(
    CDKLOCAL,
    ['deploy', stackName, '-c', 'target=localstack', '-c', `stackName=${stackName}`, '--require-approval', 'never', '--outputs-file', outputsFile, '--no-notices', '--progress', 'events'],
    PROJECT_ROOT,
  ),
);
const outputs = await step('read the stack outputs', async () => stackOutputs(JSON.parse(await readFile(outputsFile, 'utf8')) as Record<string, Record<string, string>>, stackName));

// Every client goes to LocalStack: the SDK reads AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_S3) itself.
const clients = {
  lambda: new LambdaClient({ region }),
  dynamodb: new DynamoDBClient({ region }),
  s3: new S3Client({ region, forcePathStyle: true }),
  secrets: new SecretsManagerClient({ region }),
};
const rotator = FUNCTIONS.find((spec) => spec.access.signingKey === 'rotate');
await step('write the first signing key (the rotation function, four steps, once)', async () => {
  if (!rotator) throw new Error('the catalog has no rotation function');
  const result = await ensureSigningKey({ ...clients, secretId: outputs.SigningKeySecretArn, functionName: deployedFunctionName(stackName, rotator) });
  log(result === 'present' ? '  the secret already holds a key set: left as it is' : '  the secret now holds a fresh ES256 key set');
});

await step('check the deployment', async () => {
  const failures = await runChecks(deploymentChecks(stackName, outputs, clients, NODE_RUNTIME), log);
  if (failures.length > 0) throw new Error(`${failures.length} check(s) failed:\n${failures.join('\n')}`);
});

log(`
Halo is deployed in LocalStack. Once the gateway is up (the compose gateway service starts now):
  HTTP API   ${outputs.HttpApiUrl}/api
  WebSocket  ${outputs.WebSocketUrl}
  Docs       ${outputs.DocsUrl}
  Table      ${outputs.TableName}   Bucket ${outputs.AvatarBucketName}`);
