import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { BUCKET_EVENT_SUBSCRIPTIONS, deployedFunctionName, FUNCTIONS, LOCAL_WEBSOCKET_PATH, type FunctionSpec } from '#infra/catalog';
import { OBJECT_CREATED_EVENT } from '#infra/constructs/bucket-notifications';
import { STACK_ID } from '#infra/halo-stack';
import { LOCALSTACK_DEFAULTS } from '#infra/target';
import { loadBucketConfig, loadConnectionsConfig, loadIssuerConfig, loadTableConfig } from '#lib/config';
import { loadCompose, LOCALSTACK_RUNTIME_IMAGES } from '../deploy/compose-file';
import {
  avatarBucketOf,
  deployedEnvironment,
  getAttTarget,
  lambdaOf,
  LOCALSTACK_TARGET,
  keySecretOf,
  onlyResourceOfType,
  removeSynthOutputs,
  resourcesOfType,
  standIn,
  synthHalo,
  type Json,
  type Synthesized,
} from './halo-template';

/**
 * The template `docker compose up` deploys into LocalStack's free image (`-c target=localstack`): the
 * functions, table, bucket and secret as on AWS, minus what that image cannot run (API Gateway v2,
 * custom resources) and with the endpoints its containers need. The compose file's side of the same
 * contract is checked in tests/deploy/compose.test.ts.
 */
let synth: Synthesized;
let aws: Synthesized;
beforeAll(() => {
  synth = synthHalo({ target: LOCALSTACK_TARGET });
  aws = synthHalo();
});
afterAll(removeSynthOutputs);

const EACH_FUNCTION = FUNCTIONS.map((spec) => [spec.name, spec] as const);
const isRotation = (spec: FunctionSpec) => spec.access.signingKey === 'rotate';
const RUNTIME_FUNCTIONS = EACH_FUNCTION.filter(([, spec]) => !isRotation(spec));
const variablesOf = (s: Synthesized, spec: FunctionSpec) =>
  ((lambdaOf(s, spec)[1].Properties.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {});
const types = (s: Synthesized) => Object.values(s.json.Resources).map((resource) => resource.Type);

describe('LocalStack target: only what the free image runs', () => {
  it('has no API Gateway v2 resource (HTTP API, WebSocket API, stages, routes, integrations: paid plans only)', () => {
    expect(types(synth).filter((type) => type.startsWith('AWS::ApiGatewayV2::'))).toEqual([]);
    // …while the AWS target has them, so this is not passing by accident.
    expect(types(aws).filter((type) => type.startsWith('AWS::ApiGatewayV2::')).length).toBeGreaterThan(0);
  });

  it('lets API Gateway invoke nothing (no permission for a front door that is not there)', () => {
    const principals = resourcesOfType(synth, 'AWS::Lambda::Permission').map(([, p]) => p.Properties.Principal);
    expect(principals).not.toContain('apigateway.amazonaws.com');
  });

  it('has no custom resource at all (community CloudFormation skips them silently)', () => {
    expect(types(synth).filter((type) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource')).toEqual([]);
    // Nor a helper Lambda: one function per catalog entry.
    expect(resourcesOfType(synth, 'AWS::Lambda::Function')).toHaveLength(FUNCTIONS.length);
  });

  it('has no rotation schedule (LocalStack accepts one but never rotates: the deployer runs the rotation)', () => {
    expect(resourcesOfType(synth, 'AWS::SecretsManager::RotationSchedule')).toEqual([]);
    expect(resourcesOfType(aws, 'AWS::SecretsManager::RotationSchedule')).toHaveLength(1);
  });

  it('leaves out what only matters on AWS: alarms, the access log bucket', () => {
    expect(resourcesOfType(synth, 'AWS::CloudWatch::Alarm')).toEqual([]);
    expect(resourcesOfType(synth, 'AWS::S3::Bucket')).toHaveLength(1);
  });

  it('keeps the state exactly as on AWS: table, the two key secrets, avatar bucket', () => {
    const same = (type: string) => onlyResourceOfType(synth, type)[1].Properties;
    const onAws = (type: string) => onlyResourceOfType(aws, type)[1].Properties;
    expect(same('AWS::DynamoDB::GlobalTable')).toEqual(onAws('AWS::DynamoDB::GlobalTable'));
    for (const name of ['SigningKey', 'PublicKeySet'] as const) expect(keySecretOf(synth, name)[1].Properties).toEqual(keySecretOf(aws, name)[1].Properties);
    // The same but for the access log (AWS only) and the notification's function ids (same logical ids, see below).
    const without = (properties: Record<string, Json>, ...names: string[]) => Object.fromEntries(Object.entries(properties).filter(([name]) => !names.includes(name)));
    const local = avatarBucketOf(synth)[1].Properties;
    const onAwsBucket = avatarBucketOf(aws)[1].Properties;
    expect(without(local, 'NotificationConfiguration')).toEqual(without(onAwsBucket, 'NotificationConfiguration', 'LoggingConfiguration'));
    expect(local.NotificationConfiguration).toEqual(onAwsBucket.NotificationConfiguration);
  });
});

describe('LocalStack target: the S3 notification', () => {
  const lambdaConfigurations = () =>
    ((avatarBucketOf(synth)[1].Properties.NotificationConfiguration as { LambdaConfigurations?: { Event: string; Function: Json; Filter: Json }[] })
      .LambdaConfigurations ?? []);

  it.each(BUCKET_EVENT_SUBSCRIPTIONS.map(({ prefix, fn }) => [prefix, fn.name, fn] as const))(
    'ObjectCreated under %s invokes %s, set on the bucket itself',
    (prefix, _name, spec) => {
      const [lambdaId] = lambdaOf(synth, spec);
      expect(lambdaConfigurations()).toContainEqual({
        Event: OBJECT_CREATED_EVENT,
        Function: { 'Fn::GetAtt': [lambdaId, 'Arn'] },
        Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: prefix }] } },
      });
    },
  );

  it('lets S3 invoke the subscribed functions, and the bucket waits for that permission', () => {
    const fromS3 = resourcesOfType(synth, 'AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 's3.amazonaws.com');
    const subscribed = [...new Set(BUCKET_EVENT_SUBSCRIPTIONS.map(({ fn }) => lambdaOf(synth, fn)[0]))];
    expect(fromS3.map(([, p]) => getAttTarget(p.Properties.FunctionName, 'Arn')).sort()).toEqual(subscribed.sort());
    for (const [permissionId] of fromS3) expect(avatarBucketOf(synth)[1].DependsOn ?? []).toContain(permissionId);
  });
});

describe('LocalStack target: functions the compose gateway can invoke', () => {
  it.each(EACH_FUNCTION)('%s: named `<stack>-<name>`, as the gateway invokes it', (name, spec) => {
    expect(lambdaOf(synth, spec)[1].Properties.FunctionName).toBe(`${STACK_ID}-${name}`);
    expect(deployedFunctionName(STACK_ID, spec)).toBe(`${STACK_ID}-${name}`);
  });

  it.each(EACH_FUNCTION)("%s: Node 22 on the machine's architecture (x86_64 here), no emulation", (_name, spec) => {
    expect(lambdaOf(synth, spec)[1].Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['x86_64'] });
  });

  it("runs every function on a runtime whose image docker-compose.yml has Docker pull before the deploy (LocalStack 4.14.0's image for it)", () => {
    const runtimes = new Set(FUNCTIONS.map((spec) => lambdaOf(synth, spec)[1].Properties.Runtime as string));
    const pulled = loadCompose().services['lambda-runtime']?.image;
    for (const runtime of runtimes) expect({ runtime, image: LOCALSTACK_RUNTIME_IMAGES[runtime] }).toEqual({ runtime, image: pulled });
  });

  it('follows the architecture it is given (arm64 on an arm64 machine)', () => {
    const arm = synthHalo({ target: { ...LOCALSTACK_TARGET, architecture: Architecture.ARM_64 } });
    for (const spec of FUNCTIONS) expect(lambdaOf(arm, spec)[1].Properties.Architectures).toEqual(['arm64']);
  });

  it.each(RUNTIME_FUNCTIONS)('%s: ISSUER is the public URL, sockets go to the gateway, S3 to LocalStack (inside) and localhost (browsers)', (_name, spec) => {
    expect(variablesOf(synth, spec)).toMatchObject({
      ...(spec.access.issuer && { ISSUER: LOCALSTACK_DEFAULTS.publicBaseUrl }),
      ...(spec.access.connections && { WEBSOCKET_CONNECTIONS_ENDPOINT: 'http://gateway:3000' }),
      ...(spec.access.bucket && { S3_ENDPOINT: 'http://localstack:4566', S3_PUBLIC_ENDPOINT: 'http://localhost:4566' }),
    });
    expect(LOCALSTACK_DEFAULTS.publicBaseUrl).toBe('http://localhost:3000');
  });

  it.each(RUNTIME_FUNCTIONS)('%s: no DYNAMODB_ENDPOINT (LocalStack gives every Lambda AWS_ENDPOINT_URL, which the SDK uses)', (_name, spec) => {
    expect(variablesOf(synth, spec).DYNAMODB_ENDPOINT).toBeUndefined();
  });

  it.each(RUNTIME_FUNCTIONS)('%s: its environment passes the lib/config.ts loader of each capability it has, as deployed', (_name, spec) => {
    const env = deployedEnvironment(synth, spec);
    if (spec.access.issuer) expect(loadIssuerConfig(env).issuer).toBe('http://localhost:3000');
    if (spec.access.connections) expect(loadConnectionsConfig(env).connectionsEndpoint).toBe('http://gateway:3000');
    if (spec.access.bucket) expect(loadBucketConfig(env).avatars).toMatchObject({ s3Endpoint: 'http://localstack:4566', s3PublicEndpoint: 'http://localhost:4566' });
    if (spec.access.table) expect(loadTableConfig(env).dynamodbEndpoint).toBeUndefined();
  });

  it('gives the rotation function only its logging settings and where to publish the public keys, as on AWS', () => {
    for (const spec of FUNCTIONS.filter(isRotation)) {
      expect(Object.keys(variablesOf(synth, spec)).sort()).toEqual(['LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'PUBLIC_KEY_SET_SECRET_ID']);
    }
  });

  it('uses the configured URLs, not the defaults, when given', () => {
    const custom = synthHalo({
      target: { ...LOCALSTACK_TARGET, publicBaseUrl: 'http://halo.test:8080', connectionsEndpoint: 'http://gw:9000', s3Endpoint: 'http://ls:4566', s3PublicEndpoint: 'http://halo.test:4566' },
    });
    // delete-user: its access brings all four (the issuer, the bucket and the sockets).
    const spec = FUNCTIONS.find((candidate) => candidate.access.issuer && candidate.access.bucket && candidate.access.connections);
    if (!spec) throw new Error('no function with the issuer, the bucket and the sockets');
    expect(variablesOf(custom, spec)).toMatchObject({
      ISSUER: 'http://halo.test:8080',
      WEBSOCKET_CONNECTIONS_ENDPOINT: 'http://gw:9000',
      S3_ENDPOINT: 'http://ls:4566',
      S3_PUBLIC_ENDPOINT: 'http://halo.test:4566',
    });
  });

  it('grants no ManageConnections (the gateway does not check IAM; there is no API to name)', () => {
    const actions = resourcesOfType(synth, 'AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => s.Action),
    );
    expect(actions).not.toContain('execute-api:ManageConnections');
  });
});

describe('LocalStack target: outputs', () => {
  const output = (name: string) => standIn(synth, (synth.json.Outputs[name] as { Value: Json } | undefined)?.Value);

  it('points HttpApiUrl, DocsUrl and WebSocketUrl at the compose gateway', () => {
    expect(output('HttpApiUrl')).toBe('http://localhost:3000');
    expect(output('IssuerUrl')).toBe('http://localhost:3000');
    expect(output('DocsUrl')).toBe('http://localhost:3000/docs');
    expect(output('WebSocketUrl')).toBe(`ws://localhost:3000${LOCAL_WEBSOCKET_PATH}`);
  });

  it('names the table, the bucket and the secret (the deployer checks them)', () => {
    for (const name of ['TableName', 'AvatarBucketName', 'SigningKeySecretArn']) expect(synth.json.Outputs[name]).toBeDefined();
  });
});
