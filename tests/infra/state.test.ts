import { SIGNING_KEY_ROTATION_INTERVAL } from '#infra/constructs/signing-key-rotation';
import { createTableInput, TTL_ATTRIBUTE } from '#lib/storage/table-design';
import { keySecretOf, lambdaOf, onlyResourceOfType, removeSynthOutputs, specNamed, synthHalo, type Resource, type Synthesized } from './halo-template';

let synth: Synthesized;
let table: [string, Resource];
let secret: [string, Resource];
beforeAll(() => {
  synth = synthHalo();
  table = onlyResourceOfType(synth, 'AWS::DynamoDB::GlobalTable');
  secret = keySecretOf(synth, 'SigningKey');
});
afterAll(removeSynthOutputs);

const byName = <T extends { AttributeName?: string; IndexName?: string }>(items: T[]) =>
  [...items].sort((a, b) => (a.AttributeName ?? a.IndexName ?? '').localeCompare(b.AttributeName ?? b.IndexName ?? ''));

describe('table', () => {
  // The embedded stack and the integration tests create the table from createTableInput(); AWS must match it.
  const expected = createTableInput('any');

  it('has the keys, attributes, billing mode and GSI of lib/storage/table-design.ts', () => {
    const properties = table[1].Properties as {
      KeySchema: unknown;
      AttributeDefinitions: { AttributeName: string }[];
      BillingMode: unknown;
      GlobalSecondaryIndexes: unknown;
    };
    expect(properties.KeySchema).toEqual(expected.KeySchema);
    expect(byName(properties.AttributeDefinitions)).toEqual(byName(expected.AttributeDefinitions));
    expect(properties.BillingMode).toBe(expected.BillingMode);
    expect(properties.GlobalSecondaryIndexes).toEqual(expected.GlobalSecondaryIndexes);
  });

  it('expires items by the ttl attribute', () => {
    expect(table[1].Properties.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
  });

  it('is encrypted with KMS and has point-in-time recovery', () => {
    expect(table[1].Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    const [replica] = table[1].Properties.Replicas as Record<string, unknown>[];
    expect(replica?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('is retained and deletion-protected by default, deletable when retainData is false', () => {
    expect(table[1]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect((table[1].Properties.Replicas as Record<string, unknown>[])[0]?.DeletionProtectionEnabled).toBe(true);

    const [, throwaway] = onlyResourceOfType(synthHalo({ retainData: false }), 'AWS::DynamoDB::GlobalTable');
    expect(throwaway).toMatchObject({ DeletionPolicy: 'Delete' });
    expect((throwaway.Properties.Replicas as Record<string, unknown>[])[0]?.DeletionProtectionEnabled).toBe(false);
  });

  it('outputs TableName', () => {
    synth.template.hasOutput('TableName', { Value: { Ref: table[0] } });
  });
});

describe('signing-key secret', () => {
  it('is created with a generated placeholder, never a value from the template', () => {
    expect(secret[1].Properties.GenerateSecretString).toBeDefined();
    expect(secret[1].Properties.SecretString).toBeUndefined();
    expect((secret[1].Properties.GenerateSecretString as Record<string, unknown>).SecretStringTemplate).toBeUndefined();
  });

  it('has no private key material anywhere in the template', () => {
    const text = JSON.stringify(synth.json);
    expect(text).not.toMatch(/"d"\s*:/); // the private part of a JWK
    expect(text).not.toMatch(/PRIVATE KEY/);
    expect(text).not.toMatch(/"kty"\s*:/);
  });

  it('is rotated by the rotate-signing-key function, first at deploy and then on a schedule', () => {
    const [, schedule] = onlyResourceOfType(synth, 'AWS::SecretsManager::RotationSchedule');
    const [rotatorId] = lambdaOf(synth, specNamed('rotate-signing-key'));
    expect(schedule.Properties).toEqual({
      SecretId: { Ref: secret[0] },
      RotationLambdaARN: { 'Fn::GetAtt': [rotatorId, 'Arn'] },
      RotateImmediatelyOnUpdate: true,
      RotationRules: { AutomaticallyAfterDays: SIGNING_KEY_ROTATION_INTERVAL.toDays() },
    });
    // Created only once Secrets Manager is allowed to invoke the function, or the first rotation fails.
    const permissionIds = schedule.DependsOn ?? [];
    expect(permissionIds.some((id) => synth.json.Resources[id]?.Properties.Principal === 'secretsmanager.amazonaws.com')).toBe(true);
  });

  it('outputs SigningKeySecretArn', () => {
    synth.template.hasOutput('SigningKeySecretArn', { Value: { Ref: secret[0] } });
  });
});
