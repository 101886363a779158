import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand, InvokeCommand, type LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { GetBucketNotificationConfigurationCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BUCKET_EVENT_SUBSCRIPTIONS, deployedFunctionName, FUNCTIONS, type FunctionSpec } from '#infra/catalog';
import { BY_USER_INDEX } from '#lib/storage/table-design';
import { holdsKeySet } from './signing-key';

/** The stack outputs the deployer reads (`cdk deploy --outputs-file`); see infra/halo-stack.ts. */
export interface StackOutputs {
  readonly TableName: string;
  readonly AvatarBucketName: string;
  readonly SigningKeySecretArn: string;
  readonly HttpApiUrl: string;
  readonly WebSocketUrl: string;
  readonly DocsUrl: string;
}

export function stackOutputs(outputsFile: Record<string, Record<string, string> | undefined>, stackName: string): StackOutputs {
  const outputs = outputsFile[stackName];
  const names: (keyof StackOutputs)[] = ['TableName', 'AvatarBucketName', 'SigningKeySecretArn', 'HttpApiUrl', 'WebSocketUrl', 'DocsUrl'];
  const missing = names.filter((name) => !outputs?.[name]);
  if (!outputs || missing.length > 0) throw new Error(`the outputs of stack ${stackName} lack ${missing.join(', ') || 'everything'}`);
  return Object.fromEntries(names.map((name) => [name, outputs[name]])) as unknown as StackOutputs;
}

export interface Clients {
  readonly lambda: LambdaClient;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly secrets: SecretsManagerClient;
}

export interface Check {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/**
 * What must hold once the stack is deployed and the signing key written, checked against LocalStack's
 * own APIs before the gateway starts: every catalog function exists under its name and is Active, the
 * table (with its index) and the bucket exist, the bucket notifies the right functions, the secret holds a
 * key set, and one function really runs: the JWKS function, invoked as the HTTP API would, answers the
 * public keys, which means a Lambda container started, loaded its bundle and reached Secrets Manager.
 */
export function deploymentChecks(stackName: string, outputs: StackOutputs, { lambda, dynamodb, s3, secrets }: Clients, runtime: string): Check[] {
  const nameOf = (spec: FunctionSpec) => deployedFunctionName(stackName, spec);
  const jwks = FUNCTIONS.find((spec) => spec.routes.includes('GET /.well-known/jwks.json'));
  return [
    ...FUNCTIONS.map(
      (spec): Check => ({
        name: `function ${nameOf(spec)} is Active on ${runtime}`,
        run: async () => {
          await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 180, minDelay: 1, maxDelay: 5 }, { FunctionName: nameOf(spec) });
          const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: nameOf(spec) }));
          if (configuration.Runtime !== runtime) throw new Error(`runtime is ${configuration.Runtime}`);
        },
      }),
    ),
    {
      name: `table ${outputs.TableName} is ACTIVE with its ${BY_USER_INDEX.name} index`,
      run: async () => {
        const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: outputs.TableName }));
        if (Table?.TableStatus !== 'ACTIVE') throw new Error(`status is ${Table?.TableStatus}`);
        if (!Table.GlobalSecondaryIndexes?.some((index) => index.IndexName === BY_USER_INDEX.name)) throw new Error(`no ${BY_USER_INDEX.name} index`);
      },
    },
    {
      name: `bucket ${outputs.AvatarBucketName} exists and notifies ${[...new Set(BUCKET_EVENT_SUBSCRIPTIONS.map(({ fn }) => nameOf(fn)))].join(', ')}`,
      run: async () => {
        await s3.send(new HeadBucketCommand({ Bucket: outputs.AvatarBucketName }));
        const { LambdaFunctionConfigurations = [] } = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: outputs.AvatarBucketName }));
        for (const { prefix, fn } of BUCKET_EVENT_SUBSCRIPTIONS) {
          const found = LambdaFunctionConfigurations.some(
            (c) =>
              c.LambdaFunctionArn?.endsWith(`:function:${nameOf(fn)}`) &&
              c.Events?.some((event) => event.startsWith('s3:ObjectCreated:')) &&
              c.Filter?.Key?.FilterRules?.some((rule) => rule.Name?.toLowerCase() === 'prefix' && rule.Value === prefix),
          );
          if (!found) throw new Error(`no ObjectCreated notification for ${prefix} to ${nameOf(fn)}`);
        }
      },
    },
    {
      name: 'the signing-key secret holds a key set',
      run: async () => {
        if (!(await holdsKeySet(secrets, outputs.SigningKeySecretArn))) throw new Error('it still holds the placeholder');
      },
    },
    {
      name: `${jwks ? nameOf(jwks) : 'the JWKS function'} answers the public keys when invoked`,
      run: async () => {
        if (!jwks) throw new Error('no catalog function serves GET /.well-known/jwks.json');
        const result = await lambda.send(new InvokeCommand({ FunctionName: nameOf(jwks), Payload: Buffer.from(JSON.stringify(httpApiEvent('GET', '/.well-known/jwks.json'))) }));
        const payload = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
        if (result.FunctionError) throw new Error(`function error ${result.FunctionError}: ${payload.slice(0, 500)}`);
        const response = JSON.parse(payload) as { statusCode?: number; body?: string };
        const keys = (JSON.parse(response.body ?? '{}') as { keys?: unknown[] }).keys ?? [];
        if (response.statusCode !== 200 || keys.length === 0) throw new Error(`answered ${response.statusCode} with ${keys.length} keys`);
      },
    },
  ];
}

/** Runs every check (all of them, so one run reports every problem) and returns the names and reasons of those that failed. */
export async function runChecks(checks: readonly Check[], log: (line: string) => void): Promise<string[]> {
  const failures: string[] = [];
  for (const check of checks) {
    try {
      await check.run();
      log(`  ✓ ${check.name}`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log(`  ✗ ${check.name}: ${reason}`);
      failures.push(`${check.name}: ${reason}`);
    }
  }
  return failures;
}

/** A minimal HTTP API (payload format 2.0) event, as API Gateway, or the compose gateway, would send it. */
export function httpApiEvent(method: string, path: string): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'localhost', 'user-agent': 'halo-deployer' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'deployer',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'halo-deployer' },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}
