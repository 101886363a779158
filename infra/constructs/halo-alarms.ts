import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IAlarmAction, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { constructIdOf, type HaloFunctions } from './halo-functions';

/** Every alarm looks at 5-minute sums: one error in five minutes is worth a look, and no traffic is no alarm. */
export const ALARM_PERIOD = Duration.minutes(5);
export const ALARM_THRESHOLD = 1;

export interface HaloAlarmsProps {
  readonly functions: HaloFunctions;
  readonly httpApi: HttpApi;
  /** Subscribed to the alarms' SNS topic; without it there is no topic and the alarms only change state (console, API). */
  readonly alarmEmail?: string;
}

/**
 * One alarm per function on its Errors metric (an uncaught exception, a timeout, an out-of-memory: what
 * the handlers' own error handling did not turn into a response), and one on the HTTP API's 5xx answers
 * (which also counts what API Gateway itself failed: integration timeouts, throttled or failed invokes).
 * Throttling by the stage shows as 429s, not as an alarm: it is the stage doing its job.
 *
 * CloudWatch bills $0.10 per standard alarm and month (the first 10 free); nothing here runs or costs
 * anything else at rest.
 */
export class HaloAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic: Topic | undefined;

  constructor(scope: Construct, id: string, { functions, httpApi, alarmEmail }: HaloAlarmsProps) {
    super(scope, id);

    // Encrypted with a key of its own, not the AWS managed `alias/aws/sns`: CloudWatch can publish to an encrypted
    // topic only when the key's policy lets it use the key, and the AWS managed key's policy cannot be changed, so
    // alarms on such a topic would notify no one ("Enable compatibility between event sources from AWS services
    // and encrypted topics", https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    // The key costs $1 a month (https://aws.amazon.com/kms/pricing/), and exists only with an alarm email.
    // Publishers must use TLS (enforceSSL).
    this.topic = alarmEmail
      ? new Topic(this, 'Topic', {
          displayName: 'Halo alarms',
          masterKey: this.alarmTopicKey(),
          enforceSSL: true,
        })
      : undefined;
    if (this.topic && alarmEmail) this.topic.addSubscription(new EmailSubscription(alarmEmail));
    const action: IAlarmAction | undefined = this.topic && new SnsAction(this.topic);

    const alarmOn = (alarmId: string, metric: Metric, description: string) => {
      const alarm = new Alarm(this, alarmId, {
        metric,
        threshold: ALARM_THRESHOLD,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (action) alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };

    for (const fn of functions.byName.values()) {
      alarmOn(
        `${constructIdOf(fn.spec)}Errors`,
        fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
        `The ${fn.spec.name} function failed (uncaught error, timeout or out of memory); see its log group.`,
      );
    }
    alarmOn(
      'HttpApi5xx',
      httpApi.metricServerError({ period: ALARM_PERIOD, statistic: 'Sum' }),
      'The HTTP API answered 5xx (a function error, or an integration API Gateway could not complete); see the access log and the functions\' logs.',
    );
  }

  /** The topic's key: rotated yearly, usable by CloudWatch only for this account's alarms (confused-deputy conditions). */
  private alarmTopicKey(): Key {
    const { account, region } = Stack.of(this);
    const key = new Key(this, 'TopicKey', { description: 'Halo alarm topic', enableKeyRotation: true });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // in a key policy, "*" is this key
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${Stack.of(this).partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      }),
    );
    return key;
  }
}
