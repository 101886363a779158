import { FUNCTIONS, type FunctionSpec } from '../../infra/catalog';
import { ROTATION_ACTIONS } from '../../infra/constructs/signing-key-rotation';
import {
  actionsOf,
  getAttTarget,
  lambdaOf,
  onlyResourceOfType,
  referencedIds,
  removeSynthOutputs,
  resourcesOf,
  resourcesOfType,
  statementsOf,
  synthHalo,
  type Statement,
  type Synthesized,
} from './halo-template';

let synth: Synthesized;
let tableId: string;
let secretId: string;
beforeAll(() => {
  synth = synthHalo();
  tableId = onlyResourceOfType(synth, 'AWS::DynamoDB::GlobalTable')[0];
  secretId = onlyResourceOfType(synth, 'AWS::SecretsManager::Secret')[0];
});
afterAll(removeSynthOutputs);

const EACH_FUNCTION = FUNCTIONS.map((spec) => [spec.name, spec] as const);
const statementsFor = (spec: FunctionSpec) => statementsOf(synth, lambdaOf(synth, spec)[1]);
const forService = (statements: Statement[], service: string) =>
  statements.filter((s) => actionsOf([s]).some((action) => action.startsWith(`${service}:`)));

// Anything that creates, changes or deletes data, or runs arbitrary statements.
const DYNAMODB_WRITE = /^dynamodb:(Put|Update|Delete|BatchWrite|PartiQL|Create|Restore|Import|TransactWrite)/;
const DYNAMODB_READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const DYNAMODB_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

describe('least privilege, per function, from the catalog access', () => {
  it.each(EACH_FUNCTION)('%s: no wildcard actions, and no data permission on Resource "*"', (_name, spec) => {
    const statements = statementsFor(spec);
    for (const action of actionsOf(statements)) expect(action).not.toMatch(/(^\*$|:\*$)/);
    for (const statement of [...forService(statements, 'dynamodb'), ...forService(statements, 'secretsmanager')]) {
      expect(resourcesOf(statement)).not.toContain('*');
    }
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
        expect(actions).toEqual(expect.arrayContaining(DYNAMODB_READS));
        expect(actions.filter((action) => DYNAMODB_WRITE.test(action))).toEqual([]);
        break;
      case 'readwrite':
        expect(actions).toEqual(expect.arrayContaining([...DYNAMODB_READS, ...DYNAMODB_WRITES]));
        break;
    }
    // Only Halo's table (and its indexes): every resource is built from the table's own ARN.
    for (const statement of statements) {
      for (const resource of resourcesOf(statement)) expect(referencedIds(resource)).toEqual([tableId]);
    }
  });

  it.each(EACH_FUNCTION)('%s: Secrets Manager actions match its signing-key access', (_name, spec) => {
    const statements = forService(statementsFor(spec), 'secretsmanager');
    const expected = {
      none: [],
      read: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      rotate: [...ROTATION_ACTIONS],
    }[spec.access.signingKey ?? 'none'];
    expect(actionsOf(statements).sort()).toEqual(expected.sort());
    for (const statement of statements) expect(resourcesOf(statement)).toEqual([{ Ref: secretId }]);
  });

  it.each(EACH_FUNCTION)('%s: no access to any other service beyond basic logging', (_name, spec) => {
    const statements = statementsFor(spec);
    const others = actionsOf(statements).filter((action) => !/^(dynamodb|secretsmanager):/.test(action));
    expect(others).toEqual([]);

    const [, lambda] = lambdaOf(synth, spec);
    const role = synth.json.Resources[getAttTarget(lambda.Properties.Role, 'Arn') ?? ''];
    expect(JSON.stringify(role?.Properties.ManagedPolicyArns)).toMatch(/service-role\/AWSLambdaBasicExecutionRole"/);
    expect(role?.Properties.ManagedPolicyArns).toHaveLength(1);
  });

  it('gives functions that declare no access no policy at all', () => {
    for (const spec of FUNCTIONS.filter((s) => !s.access.table && !s.access.signingKey)) expect(statementsFor(spec)).toEqual([]);
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
