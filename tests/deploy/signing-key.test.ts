import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ensureSigningKey, holdsKeySet, ROTATION_STEPS } from '#deploy/signing-key';
import { rotateSigningKeySecret, type RotationStep } from '#lib/tokens/key-rotation';
import { parseKeySet, parsePublicKeySet } from '#lib/tokens/signing-keys';
import { fakeSecretsClient, fakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager';

/**
 * The deployer's first rotation (deploy/signing-key.ts) against a stand-in Lambda API: a local HTTP server
 * answering the Lambda REST calls the SDK makes (GetFunction for the Active waiter, Invoke), whose one
 * function runs the rotation code the real function runs (lib/tokens/key-rotation.ts) on a fake secret.
 * So the real LambdaClient, the real event shape and the real rotation steps meet; only LocalStack is missing.
 */
const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:StateSigningKey-abc123';
const PUBLIC_SECRET_ID = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:StatePublicKeySet-def456';
const FUNCTION_NAME = 'Halo-rotate-signing-key';
const PLACEHOLDER = 'q8Zk2Yv0placeholderFromCloudFormation';

interface RotationEvent {
  SecretId: string;
  ClientRequestToken: string;
  Step: RotationStep;
}

let server: Server;
let lambda: LambdaClient;
let secrets: FakeSecretsManager;
let publicSecrets: FakeSecretsManager;
let invocations: RotationEvent[];
let failAt: RotationStep | undefined;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The Lambda API, as far as the deployer uses it: `GET /2015-03-31/functions/{name}` and `POST …/invocations`. */
async function standInLambdaApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const match = /^\/2015-03-31\/functions\/([^/]+)(\/invocations)?/.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
  const name = decodeURIComponent(match?.[1] ?? '');
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  if (name !== FUNCTION_NAME) return json(404, { Type: 'User', message: `Function not found: ${name}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
  if (req.method === 'GET' && !match?.[2]) {
    return json(200, { Configuration: { FunctionName: name, State: 'Active', LastUpdateStatus: 'Successful' } });
  }
  if (req.method === 'POST' && match?.[2]) {
    const event = JSON.parse(await readBody(req)) as RotationEvent;
    invocations.push(event);
    try {
      if (event.Step === failAt) throw new Error(`the pending signing key set could not sign (${failAt})`);
      await rotateSigningKeySecret(fakeSecretsClient(secrets, publicSecrets), {
        secretId: event.SecretId,
        publicSecretId: PUBLIC_SECRET_ID,
        token: event.ClientRequestToken,
        step: event.Step,
      });
      return json(200, null);
    } catch (error) {
      // What Lambda answers for an uncaught exception: 200, the error as payload, X-Amz-Function-Error.
      return json(200, { errorType: 'Error', errorMessage: (error as Error).message }, { 'x-amz-function-error': 'Unhandled' });
    }
  }
  return json(400, { message: `unexpected ${req.method} ${req.url}` });
}

beforeAll(async () => {
  server = createServer((req, res) => void standInLambdaApi(req, res));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  lambda = new LambdaClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});
afterAll(async () => {
  lambda.destroy();
  await new Promise((done) => server.close(done));
});
beforeEach(() => {
  secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
  publicSecrets = fakeSecretsManager(PUBLIC_SECRET_ID, { p0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
  invocations = [];
  failAt = undefined;
});

const ensure = () => ensureSigningKey({ lambda, secrets: secrets.client, secretId: SECRET_ID, functionName: FUNCTION_NAME, maxWaitSeconds: 5 });

describe('the first signing key in LocalStack (deploy/signing-key.ts)', () => {
  it('sees the placeholder as no key set', async () => {
    expect(await holdsKeySet(secrets.client, SECRET_ID)).toBe(false);
  });

  it('invokes the rotation function for the four steps, in order, with one request token, as Secrets Manager would', async () => {
    expect(await ensure()).toBe('rotated');
    expect(invocations.map((event) => event.Step)).toEqual([...ROTATION_STEPS]);
    expect(ROTATION_STEPS).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    const [first] = invocations;
    for (const event of invocations) expect(event).toEqual({ SecretId: SECRET_ID, ClientRequestToken: first?.ClientRequestToken, Step: event.Step });
    expect(first?.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('leaves a key set as the current version, the placeholder as the previous one', async () => {
    await ensure();
    expect(parseKeySet(secrets.valueAt('AWSCURRENT') ?? '').keys).toHaveLength(1);
    expect(secrets.valueAt('AWSPREVIOUS')).toBe(PLACEHOLDER);
    expect(await holdsKeySet(secrets.client, SECRET_ID)).toBe(true);
  });

  it('publishes the public key set, and only that, where the verifiers read it', async () => {
    await ensure();
    const published = publicSecrets.valueAt('AWSCURRENT') ?? '';
    const privateSet = parseKeySet(secrets.valueAt('AWSCURRENT') ?? '');
    expect(parsePublicKeySet(published).keys.map((key) => key.kid)).toEqual(privateSet.keys.map((key) => key.kid));
    expect(published).not.toContain('"d"');
  });

  it('does nothing when the secret already holds a key set (a second `docker compose up` keeps the keys)', async () => {
    await ensure();
    const keys = secrets.valueAt('AWSCURRENT');
    invocations = [];
    expect(await ensure()).toBe('present');
    expect(invocations).toEqual([]);
    expect(secrets.valueAt('AWSCURRENT')).toBe(keys);
  });

  it('fails, naming the step and the function, when a step fails; the placeholder stays current', async () => {
    failAt = 'testSecret';
    await expect(ensure()).rejects.toThrow(`${FUNCTION_NAME} failed at testSecret (Unhandled)`);
    expect(invocations.map((event) => event.Step)).toEqual(['createSecret', 'setSecret', 'testSecret']);
    expect(secrets.valueAt('AWSCURRENT')).toBe(PLACEHOLDER);
  });

  it('fails when the function does not exist (a deploy that named it differently)', async () => {
    await expect(ensureSigningKey({ lambda, secrets: secrets.client, secretId: SECRET_ID, functionName: 'Halo-nope', maxWaitSeconds: 2 })).rejects.toThrow();
    expect(invocations).toEqual([]);
  });
});
