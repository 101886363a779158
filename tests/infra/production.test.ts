import { FUNCTIONS } from '#infra/catalog';
import { ALARM_PERIOD, ALARM_THRESHOLD } from '#infra/constructs/halo-alarms';
import { LOG_RETENTION } from '#infra/constructs/halo-function';
import { ACCESS_LOG_FIELDS } from '#infra/constructs/halo-http-api';
import { ACCESS_LOG_DAYS } from '#infra/constructs/halo-state';
import { STACK_ID } from '#infra/halo-stack';
import {
  apiIdStandIn,
  apiOfProtocol,
  avatarBucketOf,
  getAttTarget,
  lambdaOf,
  keySecretOf,
  onlyResourceOfType,
  referencedIds,
  removeSynthOutputs,
  resourcesOfApi,
  resourcesOfType,
  STAND_IN_REGION,
  standIn,
  synthHalo,
  type Json,
  type Resource,
  type Synthesized,
} from './halo-template';

/**
 * The AWS target's production shape, beyond what the other suites check: names, alarms, access logs,
 * encryption at rest, private buckets, and the outputs docs/deploy-aws.md promises.
 */
let synth: Synthesized;
beforeAll(() => {
  synth = synthHalo();
});
afterAll(removeSynthOutputs);

const alarms = (s: Synthesized) => resourcesOfType(s, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm);
const dimension = (alarm: Resource, name: string) =>
  (alarm.Properties.Dimensions as { Name: string; Value: Json }[] | undefined)?.find((d) => d.Name === name)?.Value;

describe('functions on AWS', () => {
  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))('%s: has the explicit name `Halo-%s`', (name, spec) => {
    expect(lambdaOf(synth, spec)[1].Properties.FunctionName).toBe(`${STACK_ID}-${name}`);
  });
});

describe('alarms', () => {
  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))('%s: one alarm on its Errors, from the first error in five minutes', (_name, spec) => {
    const [lambdaId] = lambdaOf(synth, spec);
    const found = alarms(synth).filter((alarm) => alarm.Properties.MetricName === 'Errors' && referencedIds(dimension(alarm, 'FunctionName')).includes(lambdaId));
    expect(found).toHaveLength(1);
    expect(found[0]?.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: ALARM_PERIOD.toSeconds(),
      EvaluationPeriods: 1,
      Threshold: ALARM_THRESHOLD,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it("has one alarm on the HTTP API's 5xx answers", () => {
    const [apiId] = apiOfProtocol(synth, 'HTTP');
    const found = alarms(synth).filter((alarm) => alarm.Properties.MetricName === '5xx');
    expect(found).toHaveLength(1);
    expect(found[0]?.Properties).toMatchObject({ Namespace: 'AWS/ApiGateway', Statistic: 'Sum', Threshold: ALARM_THRESHOLD, TreatMissingData: 'notBreaching' });
    expect(referencedIds(dimension(found[0] as Resource, 'ApiId'))).toEqual([apiId]);
  });

  it('has no other alarm (each costs $0.10 a month)', () => {
    expect(alarms(synth)).toHaveLength(FUNCTIONS.length + 1);
  });

  it('notifies no one, and makes no topic, unless an alarm email is given', () => {
    expect(resourcesOfType(synth, 'AWS::SNS::Topic')).toEqual([]);
    for (const alarm of alarms(synth)) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });

  it('with alarmEmail: every alarm notifies an encrypted, TLS-only topic the address is subscribed to', () => {
    const notified = synthHalo({ target: { kind: 'aws', alarmEmail: 'ops@example.com' } });
    const [topicId, topic] = onlyResourceOfType(notified, 'AWS::SNS::Topic');
    // A key of the stack's own whose policy lets CloudWatch use it: with the AWS managed alias/aws/sns, whose
    // policy cannot name CloudWatch, alarms could not publish (docs link in infra/constructs/halo-alarms.ts).
    const keyId = getAttTarget(topic.Properties.KmsMasterKeyId as Json, 'Arn') ?? (topic.Properties.KmsMasterKeyId as { Ref?: string }).Ref ?? '';
    const key = notified.json.Resources[keyId];
    expect(key).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } });
    const cloudwatch = (key?.Properties.KeyPolicy as { Statement: { Principal?: { Service?: string }; Action: string[]; Condition?: Record<string, unknown> }[] }).Statement.find(
      (statement) => statement.Principal?.Service === 'cloudwatch.amazonaws.com',
    );
    expect(cloudwatch?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(Object.keys(cloudwatch?.Condition ?? {}).sort()).toEqual(['ArnLike', 'StringEquals']);
    expect(onlyResourceOfType(notified, 'AWS::SNS::Subscription')[1].Properties).toMatchObject({ Protocol: 'email', Endpoint: 'ops@example.com' });
    const policy = onlyResourceOfType(notified, 'AWS::SNS::TopicPolicy')[1];
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    for (const alarm of alarms(notified)) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(notified.json.Outputs.AlarmTopicArn).toEqual(expect.objectContaining({ Value: { Ref: topicId } }));
  });
});

describe('HTTP API access log', () => {
  it('logs every request of the stage as one JSON line to a log group with a retention', () => {
    const [apiId] = apiOfProtocol(synth, 'HTTP');
    const [[, stage] = []] = resourcesOfApi(synth, 'AWS::ApiGatewayV2::Stage', apiId);
    const settings = stage?.Properties.AccessLogSettings as { DestinationArn: Json; Format: string };
    const logGroupId = getAttTarget(settings.DestinationArn, 'Arn') ?? '';
    expect(synth.json.Resources[logGroupId]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: LOG_RETENTION } });
    expect(JSON.parse(settings.Format)).toEqual(ACCESS_LOG_FIELDS);
    expect(ACCESS_LOG_FIELDS.requestId).toBe('$context.requestId');
  });

  it('records nothing that could carry a credential: no path, query string or header', () => {
    for (const variable of Object.values(ACCESS_LOG_FIELDS)) expect(variable).not.toMatch(/path|querystring|header|authorizer/i);
  });
});

describe('encryption at rest and private storage', () => {
  it('encrypts the table with KMS (the AWS managed key)', () => {
    const [, table] = onlyResourceOfType(synth, 'AWS::DynamoDB::GlobalTable');
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
  });

  it('encrypts both buckets and blocks every kind of public access to them', () => {
    const buckets = resourcesOfType(synth, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(2);
    for (const [, bucket] of buckets) {
      expect(bucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    }
  });

  it("refuses plain HTTP on both buckets, and the log bucket's policy allows only S3's log delivery", () => {
    for (const [bucketId] of resourcesOfType(synth, 'AWS::S3::Bucket')) {
      const [policy] = resourcesOfType(synth, 'AWS::S3::BucketPolicy').filter(([, p]) => referencedIds(p.Properties.Bucket).includes(bucketId));
      const statements = (policy?.[1].Properties.PolicyDocument as { Statement: { Effect: string; Principal: Json; Condition?: Json }[] }).Statement;
      expect(statements.filter((s) => JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }))).toHaveLength(1);
      for (const allow of statements.filter((s) => s.Effect === 'Allow')) expect(allow.Principal).toEqual({ Service: 'logging.s3.amazonaws.com' });
    }
  });

  it("logs every request to the avatar bucket into the log bucket, which keeps logs for a while and then forgets them", () => {
    const [logBucketId, logBucket] = resourcesOfType(synth, 'AWS::S3::Bucket').find(([id]) => id !== avatarBucketOf(synth)[0]) ?? [];
    expect((avatarBucketOf(synth)[1].Properties.LoggingConfiguration as { DestinationBucketName: Json }).DestinationBucketName).toEqual({ Ref: logBucketId });
    expect((logBucket?.Properties.LifecycleConfiguration as { Rules: { ExpirationInDays?: number }[] }).Rules).toContainEqual(
      expect.objectContaining({ ExpirationInDays: ACCESS_LOG_DAYS }),
    );
    expect(logBucket).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  it('keeps the signing key in Secrets Manager (encrypted with its AWS managed key), never in the template', () => {
    const [, secret] = keySecretOf(synth, 'SigningKey');
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.GenerateSecretString).toBeDefined();
  });
});

describe('outputs', () => {
  const output = (name: string) => standIn(synth, (synth.json.Outputs[name] as { Value: Json } | undefined)?.Value);

  it('gives the HTTP URL, the WebSocket URL and the docs URL (HTTP URL + /docs)', () => {
    const [apiId] = apiOfProtocol(synth, 'HTTP');
    const httpUrl = `https://${apiIdStandIn(apiId)}.execute-api.${STAND_IN_REGION}.amazonaws.com`;
    expect(output('HttpApiUrl')).toBe(httpUrl);
    expect(output('DocsUrl')).toBe(`${httpUrl}/docs`);
    expect(output('WebSocketUrl')).toMatch(/^wss:\/\/.+\/live$/);
  });

  it('names the table, both buckets and the secret', () => {
    for (const name of ['TableName', 'AvatarBucketName', 'AccessLogBucketName', 'SigningKeySecretArn', 'IssuerUrl']) expect(synth.json.Outputs[name]).toBeDefined();
  });
});
