import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { SCHEDULED_FUNCTIONS } from '../catalog';
import { constructIdOf, type HaloFunctions } from './halo-functions';

export interface FunctionSchedulesProps {
  readonly functions: HaloFunctions;
}

/**
 * One EventBridge rule per catalog function with a `schedule`: `rate(<n> minutes)`, targeting the function. The
 * target adds the invoke permission for events.amazonaws.com on this rule only. A rate rule's first run comes
 * about one period after it is created, and it fires at least once a period, not exactly then
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html); the invocation is
 * asynchronous, so Lambda retries a failed run twice before the next period's run comes anyway.
 */
export class FunctionSchedules extends Construct {
  constructor(scope: Construct, id: string, { functions }: FunctionSchedulesProps) {
    super(scope, id);
    for (const { schedule, fn } of SCHEDULED_FUNCTIONS) {
      new Rule(this, constructIdOf(fn), {
        description: `Runs ${fn.name} every ${schedule.everyMinutes} minutes`,
        schedule: Schedule.rate(Duration.minutes(schedule.everyMinutes)),
        targets: [new LambdaFunction(functions.get(fn.name))],
      });
    }
  }
}
