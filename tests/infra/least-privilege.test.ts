import { FUNCTIONS, type FunctionSpec } from '#infra/catalog';
import { WEBSOCKET_STAGE_NAME } from '#infra/constructs/halo-websocket-api';
import { PUBLISH_ACTIONS, ROTATION_ACTIONS } from '#infra/constructs/signing-key-rotation';
import {
  avatarBucketOf,
  actionsOf,
  apiIdStandIn,
  apiOfProtocol,
  getAttTarget,
  keySecretOf,
  lambdaOf,
  onlyResourceOfType,
  referencedIds,
  referencedResourceIds,
  removeSynthOutputs,
  resourcesOf,
  resourcesOfType,
  STAND_IN_ACCOUNT,
  STAND_IN_REGION,
  standIn,
  statementsOf,
  synthHalo,
  type Statement,
  type Synthesized,
} from './halo-template';

let synth: Synthesized;
let tableId: string;
let secretId: string;
let publicSecretId: string;
let webSocketApiId: string;
let bucketName: string;
beforeAll(() => {
  synth = synthHalo();
  tableId = onlyResourceOfType(synth, 'AWS::DynamoDB::GlobalTable')[0];
  // Two secrets: the private key set and the public one.
  expect(resourcesOfType(synth, 'AWS::SecretsManager::Secret')).toHaveLength(2);
  secretId = keySecretOf(synth, 'SigningKey')[0];
  publicSecretId = keySecretOf(synth, 'PublicKeySet')[0];
  webSocketApiId = apiOfProtocol(synth, 'WEBSOCKET')[0];
  bucketName = standIn(synth, avatarBucketOf(synth)[1].Properties.BucketName);
});
afterAll(removeSynthOutputs);

const EACH_FUNCTION = FUNCTIONS.map((spec) => [spec.name, spec] as const);
const statementsFor = (spec: FunctionSpec) => statementsOf(synth, lambdaOf(synth, spec)[1]);
const forService = (statements: Statement[], service: string) =>
  statements.filter((s) => actionsOf([s]).some((action) => action.startsWith(`${service}:`)));

/** Each (action, resource) pair a set of statements allows, with references resolved to stand-ins: `s3:GetObject arn:aws:s3:::…/avatars/*`. */
const grantsOf = (statements: Statement[]) =>
  statements.flatMap((s) => actionsOf([s]).flatMap((action) => resourcesOf(s).map((resource) => `${action} ${standIn(synth, resource)}`))).sort();

// Exactly the item calls lib/storage makes; no Scan (no request path scans), no DescribeTable, no streams.
const DYNAMODB_READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
const DYNAMODB_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const GRANTED_SERVICES = /^(dynamodb|secretsmanager|s3|execute-api):/;

describe('least privilege, per function, from the catalog access', () => {
  it.each(EACH_FUNCTION)('%s: no wildcard actions, and no data permission on Resource "*"', (_name, spec) => {
    const statements = statementsFor(spec);
    for (const action of actionsOf(statements)) expect(action).not.toMatch(/(^\*$|:\*$)/);
    for (const statement of statements) expect(resourcesOf(statement)).not.toContain('*');
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it.each(EACH_FUNCTION)('%s: DynamoDB actions match its table access', (_name, spec) => {
    const statements = forService(statementsFor(spec), 'dynamodb');
    const actions = actionsOf(statements);
    switch (spec.access.table) {
      case undefined:
        expect(actions).toEqual([]);
        return;
      case 'read':
        expect([...new Set(actions)].sort()).toEqual([...DYNAMODB_READS].sort());
        break;
      case 'readwrite':
        expect([...new Set(actions)].sort()).toEqual([...DYNAMODB_READS, ...DYNAMODB_WRITES].sort());
        break;
      case 'read-and-upload-grants': {
        expect([...new Set(actions)].sort()).toEqual([...DYNAMODB_READS, 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'].sort());
        // Its writes reach upload grants (Put/Delete) and its own upload-form counters (Update) only, by their
        // partition keys, on the table itself (no index is written).
        const writes = statements.filter((s) => actionsOf([s]).some((action) => DYNAMODB_WRITES.includes(action)));
        expect(writes).toHaveLength(2);
        const scoped = writes.map((statement) => ({ actions: actionsOf([statement]).sort(), condition: (statement as Statement & { Condition?: unknown }).Condition }));
        expect(scoped).toEqual(
          expect.arrayContaining([
            { actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['UPLOAD#*'] } } },
            { actions: ['dynamodb:UpdateItem'], condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ABUSE#upload-form-user#*'] } } },
          ]),
        );
        for (const write of writes) expect(resourcesOf(write as Statement)).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
        break;
      }
    }
    // Only Halo's table (and its indexes): every resource is built from the table's own ARN.
    for (const statement of statements) {
      for (const resource of resourcesOf(statement)) expect(referencedIds(resource)).toEqual([tableId]);
    }
  });

  it.each(EACH_FUNCTION)('%s: Secrets Manager actions match its signing-key access', (_name, spec) => {
    const statements = forService(statementsFor(spec), 'secretsmanager');
    const read = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];
    const onSecret = (actions: string[], id: string) => actions.map((action) => `${action} ${id}`);
    const expected = {
      none: [],
      sign: onSecret(read, secretId),
      verify: onSecret(read, publicSecretId),
      rotate: [...onSecret(ROTATION_ACTIONS, secretId), ...onSecret(PUBLISH_ACTIONS, publicSecretId)],
    }[spec.access.signingKey ?? 'none'];
    const granted = statements.flatMap((s) => actionsOf([s]).flatMap((action) => resourcesOf(s).map((r) => `${action} ${(r as { Ref: string }).Ref}`)));
    expect(granted.sort()).toEqual(expected.sort());
  });

  it('lets exactly the functions that issue tokens, and the rotation, read the private signing key', () => {
    const readers = FUNCTIONS.filter((spec) =>
      statementsFor(spec).some(
        (s) => actionsOf([s]).includes('secretsmanager:GetSecretValue') && resourcesOf(s).some((r) => (r as { Ref?: string }).Ref === secretId),
      ),
    ).map((spec) => spec.name);
    // Named here, not derived from the catalog: the functions whose code calls AccessTokens.issue (grep `issue(` in lib/accounts).
    expect(readers.sort()).toEqual(['login', 'oauth-token', 'refresh', 'register', 'rotate-signing-key']);
  });

  it.each(EACH_FUNCTION)('%s: S3 actions match its bucket access, on the avatar bucket only', (_name, spec) => {
    const bucketArn = `arn:aws:s3:::${bucketName}`;
    const expected = {
      none: [],
      // Presigning GETs of avatars: no writes, no uploads/ (unjudged bytes), no listing.
      read: [`s3:GetObject ${bucketArn}/avatars/*`],
      // A presigned POST can write only what its signer may: uploads/ and nothing else.
      'presign-uploads': [`s3:PutObject ${bucketArn}/uploads/*`],
      readwrite: [`s3:DeleteObject ${bucketArn}/*`, `s3:GetObject ${bucketArn}/*`, `s3:ListBucket ${bucketArn}`, `s3:PutObject ${bucketArn}/*`],
    }[spec.access.bucket ?? 'none'];
    expect(grantsOf(forService(statementsFor(spec), 's3'))).toEqual(expected.sort());
  });

  it.each(EACH_FUNCTION)('%s: ManageConnections only if it manages connections, and only on the WebSocket API', (_name, spec) => {
    const statements = forService(statementsFor(spec), 'execute-api');
    if (spec.access.connections !== 'manage') {
      expect(statements).toEqual([]);
      return;
    }
    expect(grantsOf(statements)).toEqual([
      `execute-api:ManageConnections arn:aws:execute-api:${STAND_IN_REGION}:${STAND_IN_ACCOUNT}:${apiIdStandIn(webSocketApiId)}/${WEBSOCKET_STAGE_NAME}/*/@connections/*`,
    ]);
    for (const statement of statements) {
      for (const resource of resourcesOf(statement)) expect(referencedResourceIds(resource)).toEqual([webSocketApiId]);
    }
  });

  it.each(EACH_FUNCTION)('%s: logs only to its own log group, and has no access to any other service', (_name, spec) => {
    const statements = statementsFor(spec);
    const others = actionsOf(statements).filter((action) => !GRANTED_SERVICES.test(action) && !action.startsWith('logs:'));
    expect(others).toEqual([]);

    // Writing to its log group, and nothing else of CloudWatch Logs: no CreateLogGroup, no other group.
    const [, lambda] = lambdaOf(synth, spec);
    const logGroupId = referencedIds((lambda.Properties.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup)[0];
    const logging = forService(statements, 'logs');
    expect(actionsOf(logging).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    for (const statement of logging) expect(resourcesOf(statement)).toEqual([{ 'Fn::GetAtt': [logGroupId, 'Arn'] }]);

    // No managed policy (AWSLambdaBasicExecutionRole would allow any log group), and a role of its own.
    const roleId = getAttTarget(lambda.Properties.Role, 'Arn') ?? '';
    expect(synth.json.Resources[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
    const sharing = FUNCTIONS.filter((other) => getAttTarget(lambdaOf(synth, other)[1].Properties.Role, 'Arn') === roleId);
    expect(sharing.map((other) => other.name)).toEqual([spec.name]);
  });

  it('gives functions that declare no access to an AWS resource nothing but their logging (the issuer is a setting, not a grant)', () => {
    const none = FUNCTIONS.filter((s) => Object.entries(s.access).every(([kind, level]) => level === undefined || kind === 'issuer'));
    expect(none.map((s) => s.name)).toContain('oauth-metadata');
    expect(none.length).toBeGreaterThan(0);
    for (const spec of none) expect(actionsOf(statementsFor(spec)).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('grants no one Scan (or any other whole-table read) on anything', () => {
    const everyAction = resourcesOfType(synth, 'AWS::IAM::Policy').flatMap(([, policy]) =>
      actionsOf((policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement),
    );
    expect(everyAction.filter((action) => /^dynamodb:(Scan|PartiQLSelect|ExportTableToPointInTime|GetRecords)$/.test(action))).toEqual([]);
    expect(everyAction.filter((action) => action.includes('*'))).toEqual([]);
  });

  it('lets ManageConnections be granted only to the functions that declare it', () => {
    const managers = FUNCTIONS.filter((spec) => actionsOf(statementsFor(spec)).includes('execute-api:ManageConnections')).map((spec) => spec.name);
    expect(managers.sort()).toEqual(FUNCTIONS.filter((spec) => spec.access.connections === 'manage').map((spec) => spec.name).sort());
  });

  it('lets only Secrets Manager, for this account and this secret, invoke the rotation function', () => {
    const fromSecretsManager = resourcesOfType(synth, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'secretsmanager.amazonaws.com',
    );
    const rotators = FUNCTIONS.filter((spec) => spec.access.signingKey === 'rotate').map((spec) => lambdaOf(synth, spec)[0]);
    expect(fromSecretsManager.map(([, p]) => getAttTarget(p.Properties.FunctionName, 'Arn'))).toEqual(rotators);
    for (const [, permission] of fromSecretsManager) {
      expect(permission.Properties).toMatchObject({ SourceAccount: { Ref: 'AWS::AccountId' }, SourceArn: { Ref: secretId } });
    }
  });
});
