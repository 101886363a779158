import { SCHEDULED_FUNCTIONS } from '#infra/catalog';
import { getAttTarget, lambdaOf, LOCALSTACK_TARGET, removeSynthOutputs, resourcesOfType, specNamed, synthHalo, type Synthesized } from './halo-template';

let synth: Synthesized;
beforeAll(() => {
  synth = synthHalo();
});
afterAll(removeSynthOutputs);

/** The rules that target `logicalId`, and the invoke permissions naming it. */
const rulesFor = (of: Synthesized, logicalId: string) =>
  resourcesOfType(of, 'AWS::Events::Rule').filter(([, rule]) =>
    ((rule.Properties.Targets as { Arn: unknown }[] | undefined) ?? []).some((target) => getAttTarget(target.Arn, 'Arn') === logicalId),
  );

describe('scheduled functions', () => {
  it('the catalog schedules finish-deletions every 15 minutes, and nothing else', () => {
    expect(SCHEDULED_FUNCTIONS.map(({ fn, schedule }) => [fn.name, schedule.everyMinutes])).toEqual([['finish-deletions', 15]]);
  });

  it.each(SCHEDULED_FUNCTIONS.map(({ fn, schedule }) => [fn.name, schedule.everyMinutes] as const))(
    '%s: one enabled EventBridge rule, rate(%i minutes), targeting it; only that rule may invoke it',
    (name, minutes) => {
      const [functionId] = lambdaOf(synth, specNamed(name));
      const rules = rulesFor(synth, functionId);
      expect(rules).toHaveLength(1);
      const [ruleId, rule] = rules[0] ?? ['', { Type: '', Properties: {} as Record<string, unknown> }];
      expect(rule.Properties).toMatchObject({ ScheduleExpression: `rate(${minutes} minutes)`, State: 'ENABLED' });
      expect(rule.Properties.Targets).toHaveLength(1);

      const permissions = resourcesOfType(synth, 'AWS::Lambda::Permission').filter(([, p]) => getAttTarget(p.Properties.FunctionName, 'Arn') === functionId);
      expect(permissions).toHaveLength(1);
      expect(permissions[0]?.[1].Properties).toMatchObject({ Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction', SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] } });
    },
  );

  it('no function without a schedule in the catalog is the target of a rule', () => {
    const scheduled = new Set(SCHEDULED_FUNCTIONS.map(({ fn }) => lambdaOf(synth, fn)[0]));
    const targeted = resourcesOfType(synth, 'AWS::Events::Rule').flatMap(([, rule]) =>
      ((rule.Properties.Targets as { Arn: unknown }[] | undefined) ?? []).map((target) => getAttTarget(target.Arn, 'Arn') ?? ''),
    );
    expect(targeted.every((id) => scheduled.has(id))).toBe(true);
    expect(targeted).toHaveLength(scheduled.size);
  });

  it('the LocalStack target gets the same rule', () => {
    const local = synthHalo({ target: LOCALSTACK_TARGET });
    const [functionId] = lambdaOf(local, specNamed('finish-deletions'));
    expect(rulesFor(local, functionId)).toHaveLength(1);
  });
});
