import { FUNCTION_DEFAULTS, FUNCTIONS } from '#infra/catalog';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { LOG_RETENTION, nativeModulesInstallEnvironment } from '#infra/constructs/halo-function';
import { docsWebSocketUrl, ENV, loadBucketConfig, loadConnectionsConfig, loadPublicKeySetConfig, loadSigningKeyConfig, loadTableConfig, loadTokenConfig } from '#lib/config';
import { WEBSOCKET_STAGE_NAME } from '#infra/constructs/halo-websocket-api';
import {
  avatarBucketOf,
  apiIdStandIn,
  apiOfProtocol,
  deployedEnvironment,
  lambdaOf,
  keySecretOf,
  onlyResourceOfType,
  referencedIds,
  referencedResourceIds,
  removeSynthOutputs,
  resourcesOfType,
  STAND_IN_REGION,
  standIn,
  synthHalo,
  type Json,
  type Synthesized,
} from './halo-template';

let synth: Synthesized;
let ids: { table: string; secret: string; publicSecret: string; api: string; webSocketApi: string; bucket: string };
beforeAll(() => {
  synth = synthHalo();
  ids = {
    table: onlyResourceOfType(synth, 'AWS::DynamoDB::GlobalTable')[0],
    secret: keySecretOf(synth, 'SigningKey')[0],
    publicSecret: keySecretOf(synth, 'PublicKeySet')[0],
    api: apiOfProtocol(synth, 'HTTP')[0],
    webSocketApi: apiOfProtocol(synth, 'WEBSOCKET')[0],
    bucket: avatarBucketOf(synth)[0],
  };
});
afterAll(removeSynthOutputs);

const isRotation = (spec: (typeof FUNCTIONS)[number]) => spec.access.signingKey === 'rotate';
const HTTP_FUNCTIONS = FUNCTIONS.filter((spec) => !isRotation(spec)).map((spec) => [spec.name, spec] as const);
const variablesOf = (synth: Synthesized, spec: (typeof FUNCTIONS)[number]) =>
  ((lambdaOf(synth, spec)[1].Properties.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {});

describe('Lambda functions', () => {
  it('builds exactly one Lambda per catalog entry, and no others (no helper custom resources)', () => {
    expect(resourcesOfType(synth, 'AWS::Lambda::Function')).toHaveLength(FUNCTIONS.length);
    for (const spec of FUNCTIONS) expect(() => lambdaOf(synth, spec)).not.toThrow();
  });

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))('%s: Node 22 on arm64, memory and timeout from the catalog', (_name, spec) => {
    expect(lambdaOf(synth, spec)[1].Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: spec.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
      Timeout: spec.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds,
    });
  });

  it("installs native modules with the binaries of the Lambda's platform, whatever machine bundles them", () => {
    // What tests/infra/bundles.test.ts checks in the bundles themselves; here without running npm.
    const linuxGlibc = { npm_config_os: 'linux', npm_config_libc: 'glibc' };
    expect(nativeModulesInstallEnvironment(Architecture.ARM_64)).toMatchObject({ ...linuxGlibc, npm_config_cpu: 'arm64' });
    expect(nativeModulesInstallEnvironment(Architecture.X86_64)).toMatchObject({ ...linuxGlibc, npm_config_cpu: 'x64' });
  });

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))('%s: logs to its own log group with a retention', (_name, spec) => {
    const logGroupId = referencedIds((lambdaOf(synth, spec)[1].Properties.LoggingConfig as { LogGroup?: Json } | undefined)?.LogGroup)[0];
    const logGroup = logGroupId ? synth.json.Resources[logGroupId] : undefined;
    expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup?.Properties.RetentionInDays).toBe(LOG_RETENTION);
  });

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))('%s: no source map is read at cold start (the bundle keeps names instead)', (_name, spec) => {
    expect(variablesOf(synth, spec).NODE_OPTIONS).toBeUndefined();
  });
});

describe('function configuration', () => {
  /** The variables each kind of catalog access brings (lib/config.ts ENV), and nothing else. */
  const expectedNames = (spec: (typeof FUNCTIONS)[number]) =>
    [
      ...(spec.access.table ? [ENV.tableName] : []),
      ...(spec.access.issuer ? [ENV.issuer] : []),
      ...(spec.access.signingKey === 'sign' ? [ENV.signingKeySecretId] : []),
      ...(spec.access.signingKey === 'verify' || spec.access.signingKey === 'rotate' ? [ENV.publicKeySetSecretId] : []),
      ...(spec.access.bucket ? [ENV.avatarBucket] : []),
      ...(spec.access.connections ? [ENV.connectionsEndpoint] : []),
      ...(spec.docsSite ? [ENV.webSocketUrl] : []),
      'LOG_LEVEL',
      'POWERTOOLS_SERVICE_NAME',
    ].sort();

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))('%s: its environment holds exactly the variables its catalog access needs', (_name, spec) => {
    expect(Object.keys(variablesOf(synth, spec)).sort()).toEqual(expectedNames(spec));
  });

  it('gives jwks no table name and get-avatar no issuer: configuration follows access', () => {
    const jwks = FUNCTIONS.find((spec) => spec.name === 'jwks');
    const getAvatar = FUNCTIONS.find((spec) => spec.name === 'get-avatar');
    expect(jwks && Object.keys(variablesOf(synth, jwks)).sort()).toEqual(['LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'PUBLIC_KEY_SET_SECRET_ID']);
    expect(getAvatar && variablesOf(synth, getAvatar).ISSUER).toBeUndefined();
  });

  it.each(HTTP_FUNCTIONS)('%s: each variable it gets is the resource its access names', (_name, spec) => {
    const variables = variablesOf(synth, spec);
    expect(variables).toMatchObject({ LOG_LEVEL: 'INFO', POWERTOOLS_SERVICE_NAME: 'halo' });
    if (spec.access.table) expect(variables.TABLE_NAME).toEqual({ Ref: ids.table });
    if (spec.access.issuer) expect(variables.ISSUER).toEqual({ 'Fn::GetAtt': [ids.api, 'ApiEndpoint'] });
    // The private key set's id only where tokens are issued; the public set's where they are only verified.
    expect(variables.SIGNING_KEY_SECRET_ID).toEqual(spec.access.signingKey === 'sign' ? { Ref: ids.secret } : undefined);
    expect(variables.PUBLIC_KEY_SET_SECRET_ID).toEqual(spec.access.signingKey === 'verify' ? { Ref: ids.publicSecret } : undefined);
    expect(variables.SIGNING_KEY_FILE).toBeUndefined(); // config refuses both key sources at once
    expect(variables.PUBLIC_KEY_SET_FILE).toBeUndefined();
    if (spec.access.bucket) {
      // The bucket by its fixed name, exactly as the bucket resource is named (a Ref to the bucket would be a cycle).
      expect(variables.AVATAR_BUCKET).toEqual(synth.json.Resources[ids.bucket]?.Properties.BucketName);
      expect(referencedResourceIds(variables.AVATAR_BUCKET)).toEqual([]);
    }
    if (spec.access.connections) {
      // The @connections endpoint of the WebSocket API's stage (https, not the wss:// client URL).
      expect(referencedResourceIds(variables.WEBSOCKET_CONNECTIONS_ENDPOINT)).toEqual([ids.webSocketApi]);
      expect(standIn(synth, variables.WEBSOCKET_CONNECTIONS_ENDPOINT)).toBe(
        `https://${apiIdStandIn(ids.webSocketApi)}.execute-api.${STAND_IN_REGION}.amazonaws.com/${WEBSOCKET_STAGE_NAME}`,
      );
    }
  });

  it.each(HTTP_FUNCTIONS)('%s: WEBSOCKET_URL (the socket console\'s address) only if it serves the documentation, and then the stage\'s wss:// URL', (_name, spec) => {
    const variables = variablesOf(synth, spec);
    if (!spec.docsSite) {
      expect(variables.WEBSOCKET_URL).toBeUndefined();
      return;
    }
    // On AWS the WebSocket API is another host than the HTTP API serving the pages: the pages cannot guess it.
    expect(referencedResourceIds(variables.WEBSOCKET_URL)).toEqual([ids.webSocketApi]);
    expect(standIn(synth, variables.WEBSOCKET_URL)).toBe(`wss://${apiIdStandIn(ids.webSocketApi)}.execute-api.${STAND_IN_REGION}.amazonaws.com/${WEBSOCKET_STAGE_NAME}`);
    expect(docsWebSocketUrl(deployedEnvironment(synth, spec))).toBe(standIn(synth, variables.WEBSOCKET_URL));
  });

  it.each(HTTP_FUNCTIONS)('%s: sets none of the local-only endpoints (the SDK must talk to AWS itself)', (_name, spec) => {
    const variables = variablesOf(synth, spec);
    for (const localOnly of ['S3_ENDPOINT', 'S3_PUBLIC_ENDPOINT', 'DYNAMODB_ENDPOINT']) expect(variables[localOnly]).toBeUndefined();
  });

  it.each(HTTP_FUNCTIONS)('%s: its environment passes the lib/config.ts loader of each capability it has, as deployed', (_name, spec) => {
    const env = deployedEnvironment(synth, spec);
    if (spec.access.signingKey === 'sign') expect(loadSigningKeyConfig(env).signingKey).toEqual({ kind: 'secret', secretId: env.SIGNING_KEY_SECRET_ID });
    if (spec.access.signingKey === 'verify') expect(loadPublicKeySetConfig(env).publicKeySet).toEqual({ kind: 'secret', secretId: env.PUBLIC_KEY_SET_SECRET_ID });
    if (spec.access.issuer) expect(loadTokenConfig(env).issuer).toBe(env.ISSUER);
    if (spec.access.table) expect(loadTableConfig(env)).toMatchObject({ tableName: env.TABLE_NAME, dynamodbEndpoint: undefined });
    if (spec.access.bucket) expect(loadBucketConfig(env).avatars).toEqual({ bucket: env.AVATAR_BUCKET, s3Endpoint: undefined, s3PublicEndpoint: undefined });
    if (spec.access.connections) expect(loadConnectionsConfig(env).connectionsEndpoint).toBe(env.WEBSOCKET_CONNECTIONS_ENDPOINT);
  });

  it('gives the rotation function only where to publish the public key set (it reads the private secret id from the event)', () => {
    for (const spec of FUNCTIONS.filter(isRotation)) {
      expect(variablesOf(synth, spec)).toEqual({ LOG_LEVEL: 'INFO', POWERTOOLS_SERVICE_NAME: 'halo', PUBLIC_KEY_SET_SECRET_ID: { Ref: ids.publicSecret } });
    }
  });

  it('uses a public base URL, when given, as ISSUER instead of the API endpoint', () => {
    const custom = synthHalo({ publicBaseUrl: 'https://id.example.com' });
    for (const [, spec] of HTTP_FUNCTIONS.filter(([, spec]) => spec.access.issuer)) expect(variablesOf(custom, spec).ISSUER).toBe('https://id.example.com');
    custom.template.hasOutput('IssuerUrl', { Value: 'https://id.example.com' });
  });

  it('outputs the issuer (the API endpoint by default)', () => {
    synth.template.hasOutput('IssuerUrl', { Value: { 'Fn::GetAtt': [ids.api, 'ApiEndpoint'] } });
  });
});
