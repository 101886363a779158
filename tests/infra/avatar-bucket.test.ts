import { BUCKET_EVENT_SUBSCRIPTIONS, FUNCTIONS } from '#infra/catalog';
import { OBJECT_CREATED_EVENT } from '#infra/constructs/bucket-notifications';
import { ABANDONED_UPLOAD_DAYS, AVATAR_BUCKET_PREFIXES } from '#infra/constructs/halo-state';
import { AVATARS_PREFIX, UPLOADS_PREFIX } from '#lib/avatars/avatar-objects';
import {
  avatarBucketOf,
  dependencyCycle,
  getAttTarget,
  lambdaOf,
  referencedIds,
  referencedResourceIds,
  removeSynthOutputs,
  resourcesOfType,
  STAND_IN_ACCOUNT,
  STAND_IN_REGION,
  standIn,
  synthHalo,
  type Resource,
  type Synthesized,
} from './halo-template';

let synth: Synthesized;
let bucket: [string, Resource];
beforeAll(() => {
  synth = synthHalo();
  bucket = avatarBucketOf(synth);
});
afterAll(removeSynthOutputs);

const EXPECTED_NAME = `halo-avatars-${STAND_IN_ACCOUNT}-${STAND_IN_REGION}`;

interface LambdaConfiguration {
  Event: string;
  Function: unknown;
  Filter?: { S3Key?: { Rules?: { Name: string; Value: string }[] } };
}
interface LifecycleRule {
  Id?: string;
  Status: string;
  Prefix?: string;
  ExpirationInDays?: number;
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
}
interface PolicyStatement {
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const lambdaConfigurations = () =>
  (bucket[1].Properties.NotificationConfiguration as { LambdaConfigurations?: LambdaConfiguration[] } | undefined)?.LambdaConfigurations ?? [];
const fromS3 = () => resourcesOfType(synth, 'AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 's3.amazonaws.com');

describe('avatar bucket', () => {
  it('has a fixed name built from the stack, account and region (no reference to another resource)', () => {
    expect(standIn(synth, bucket[1].Properties.BucketName)).toBe(EXPECTED_NAME);
    expect(referencedResourceIds(bucket[1].Properties.BucketName)).toEqual([]);
  });

  it('uses the key layout of lib/avatars/avatar-objects.ts', () => {
    expect(AVATAR_BUCKET_PREFIXES).toEqual({ uploads: UPLOADS_PREFIX, avatars: AVATARS_PREFIX });
    // Every prefix the catalog subscribes to is one Halo writes.
    for (const { prefix } of BUCKET_EVENT_SUBSCRIPTIONS) expect([UPLOADS_PREFIX, AVATARS_PREFIX]).toContain(prefix);
  });

  it('is private: all public access blocked, ACLs disabled, no website', () => {
    expect(bucket[1].Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket[1].Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket[1].Properties.AccessControl).toBeUndefined();
    expect(bucket[1].Properties.WebsiteConfiguration).toBeUndefined();
  });

  it('is encrypted at rest', () => {
    const [rule] = (bucket[1].Properties.BucketEncryption as { ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { SSEAlgorithm: string } }[] })
      .ServerSideEncryptionConfiguration;
    expect(['AES256', 'aws:kms']).toContain(rule?.ServerSideEncryptionByDefault.SSEAlgorithm);
  });

  it('refuses every request that is not over TLS, and allows nothing to anyone in its own policy', () => {
    const policies = resourcesOfType(synth, 'AWS::S3::BucketPolicy').filter(([, p]) => referencedIds(p.Properties.Bucket).includes(bucket[0]));
    expect(policies).toHaveLength(1);
    const statements = (policies[0]?.[1].Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement;
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
    const tlsOnly = statements.filter((s) => JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }));
    expect(tlsOnly).toHaveLength(1);
    expect(tlsOnly[0]).toMatchObject({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' } });
    // On the bucket and on every object in it.
    const resources = (tlsOnly[0]?.Resource ?? []) as unknown[];
    expect(resources).toHaveLength(2);
    for (const resource of resources) expect(referencedIds(resource)).toEqual([bucket[0]]);
  });

  it('lets browsers POST the direct-upload form and GET avatars from any origin, and nothing else', () => {
    const rules = (bucket[1].Properties.CorsConfiguration as { CorsRules: { AllowedOrigins: string[]; AllowedMethods: string[] }[] }).CorsRules;
    expect(rules).toHaveLength(1);
    expect(rules[0]?.AllowedOrigins).toEqual(['*']);
    expect([...(rules[0]?.AllowedMethods ?? [])].sort()).toEqual(['GET', 'POST']);
  });

  it(`expires abandoned direct uploads (${UPLOADS_PREFIX}) and incomplete multipart uploads, never avatars`, () => {
    const rules = (bucket[1].Properties.LifecycleConfiguration as { Rules: LifecycleRule[] }).Rules;
    expect(rules.every((rule) => rule.Status === 'Enabled')).toBe(true);
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: UPLOADS_PREFIX, ExpirationInDays: ABANDONED_UPLOAD_DAYS }));
    expect(rules).toContainEqual(expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABANDONED_UPLOAD_DAYS } }));
    expect(ABANDONED_UPLOAD_DAYS).toBe(1);
    // Any rule that deletes objects is limited to uploads/.
    for (const rule of rules.filter((r) => r.ExpirationInDays !== undefined)) expect(rule.Prefix).toBe(UPLOADS_PREFIX);
  });

  it('is not versioned (one live avatar per user; deleting means deleted)', () => {
    expect(bucket[1].Properties.VersioningConfiguration).toBeUndefined();
  });

  it('is retained by default and deletable when retainData is false', () => {
    expect(bucket[1]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const [, throwaway] = avatarBucketOf(synthHalo({ retainData: false }));
    expect(throwaway).toMatchObject({ DeletionPolicy: 'Delete' });
  });

  it('outputs AvatarBucketName', () => {
    const output = synth.json.Outputs.AvatarBucketName as { Value: unknown } | undefined;
    expect(standIn(synth, output?.Value)).toBe(EXPECTED_NAME);
  });
});

describe('avatar bucket notifications', () => {
  it.each(BUCKET_EVENT_SUBSCRIPTIONS.map(({ prefix, fn }) => [prefix, fn.name, fn] as const))(
    'ObjectCreated under %s invokes %s',
    (prefix, _name, spec) => {
      const [lambdaId] = lambdaOf(synth, spec);
      const matching = lambdaConfigurations().filter(
        (c) => getAttTarget(c.Function, 'Arn') === lambdaId && c.Filter?.S3Key?.Rules?.some((rule) => rule.Name === 'prefix' && rule.Value === prefix),
      );
      expect(matching).toHaveLength(1);
      expect(matching[0]).toEqual({
        Event: OBJECT_CREATED_EVENT,
        Function: { 'Fn::GetAtt': [lambdaId, 'Arn'] },
        Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: prefix }] } },
      });
      expect(OBJECT_CREATED_EVENT).toBe('s3:ObjectCreated:*');
    },
  );

  it('has no notification that is not in the catalog, and none to queues or topics', () => {
    expect(lambdaConfigurations()).toHaveLength(BUCKET_EVENT_SUBSCRIPTIONS.length);
    const configuration = bucket[1].Properties.NotificationConfiguration as Record<string, unknown>;
    expect(Object.keys(configuration)).toEqual(['LambdaConfigurations']);
  });

  it('lets S3 invoke exactly the subscribed functions, only from this bucket and this account', () => {
    const subscribed = [...new Set(BUCKET_EVENT_SUBSCRIPTIONS.map(({ fn }) => lambdaOf(synth, fn)[0]))].sort();
    const permissions = fromS3();
    expect(permissions.map(([, p]) => getAttTarget(p.Properties.FunctionName, 'Arn')).sort()).toEqual(subscribed);
    for (const [, permission] of permissions) {
      expect(permission.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', SourceAccount: { Ref: 'AWS::AccountId' } });
      expect(standIn(synth, permission.Properties.SourceArn)).toBe(`arn:aws:s3:::${EXPECTED_NAME}`);
    }
  });

  it('creates the bucket only after S3 may invoke its functions (S3 validates destinations)', () => {
    for (const [permissionId] of fromS3()) expect(bucket[1].DependsOn ?? []).toContain(permissionId);
  });

  it('leaves no dependency cycle in the template (bucket → functions must not lead back to the bucket)', () => {
    expect(dependencyCycle(synth)).toBeUndefined();
  });

  it('is set on the bucket itself: no notification custom resource (LocalStack community skips them)', () => {
    expect(resourcesOfType(synth, 'Custom::S3BucketNotifications')).toEqual([]);
    const types = Object.values(synth.json.Resources).map((resource) => resource.Type);
    expect(types.filter((type) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource')).toEqual([]);
    // Nor a helper Lambda: one function per catalog entry.
    expect(resourcesOfType(synth, 'AWS::Lambda::Function')).toHaveLength(FUNCTIONS.length);
  });
});
