/**
 * The stage throttle of both APIs (the HTTP API's `$default` stage and the WebSocket API's stage): one
 * definition that the CDK stack (infra/app.ts → the stage's DefaultRouteSettings) and the local gateway
 * (local/stage-throttle.ts) both read, so that what `npm start` lets through is what the stack lets through.
 * Free of CDK imports: the local gateway loads it at run time.
 *
 * API Gateway throttles with a token bucket: `burstLimit` is the bucket's size (the requests it accepts at
 * once), `rateLimit` the tokens added per second; a request that finds the bucket empty is refused with 429.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-protect.html
 */
export interface StageThrottle {
  /** Steady-state requests per second (a token bucket's refill rate). */
  readonly rateLimit: number;
  /** The bucket's size: how many requests are accepted at once before the rate applies. */
  readonly burstLimit: number;
}

/**
 * Sized for a real service rather than a demo (docs/deploy-aws.md says why, with the sources):
 * - the ceiling it must stay under is the account's: API Gateway allows 10,000 requests/s with a burst of
 *   5,000 per account and Region, shared by every API there
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html); 1,000/s leaves nine tenths of
 *   it to the account's other APIs, and a 500 burst is a tenth of the account's bucket, as API Gateway's own
 *   default keeps its burst at half its rate;
 * - every request is a Lambda invocation, and Lambda's default concurrency is 1,000 executions per account
 *   and Region (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html): two stages bursting
 *   together (500 each) stay within it, so a spike is refused by API Gateway's clean 429 rather than by
 *   Lambda throttling the invocations behind requests already accepted;
 * - 1,000 requests/s at Halo's usual 20–300 ms per request needs 20–300 concurrent executions: a steady load
 *   the default concurrency carries with room to spare.
 */
export const DEFAULT_STAGE_THROTTLE: StageThrottle = { rateLimit: 1000, burstLimit: 500 };

/** `-c <context key>=…` for `cdk synth`/`cdk deploy`, or the environment variable (also read by the local gateway). */
export const STAGE_THROTTLE_OPTIONS = {
  rateLimit: ['throttleRate', 'HALO_THROTTLE_RATE'],
  burstLimit: ['throttleBurst', 'HALO_THROTTLE_BURST'],
} as const satisfies Record<keyof StageThrottle, readonly [string, string]>;

/** Reads one option: the context value if given, else the environment variable; undefined when empty. */
export type ThrottleOptionReader = (contextKey: string, envName: string) => string | undefined;

/**
 * The stage throttle from context or environment, each value defaulting to DEFAULT_STAGE_THROTTLE's. Refuses at
 * synth (or at `npm start`) what API Gateway would refuse at deploy: a rate that is not a positive number, a burst
 * that is not a positive whole number (the CloudFormation properties are a Double and an Integer).
 */
export function stageThrottleFrom(read: ThrottleOptionReader): StageThrottle {
  const value = (name: keyof StageThrottle, whole: boolean): number => {
    const [contextKey, envName] = STAGE_THROTTLE_OPTIONS[name];
    const raw = read(contextKey, envName);
    if (raw === undefined) return DEFAULT_STAGE_THROTTLE[name];
    const parsed = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(parsed > 0) || (whole && !Number.isInteger(parsed))) {
      throw new Error(`${contextKey} (${envName}) must be a positive ${whole ? 'whole number' : 'number'} of requests${whole ? '' : ' per second'}, got "${raw}"`);
    }
    return parsed;
  };
  return { rateLimit: value('rateLimit', false), burstLimit: value('burstLimit', true) };
}

/** The same, from the environment alone: what the local gateway uses (`npm start`, the compose gateway). */
export function stageThrottleFromEnvironment(env: NodeJS.ProcessEnv = process.env): StageThrottle {
  return stageThrottleFrom((_contextKey, envName) => (env[envName] === '' ? undefined : env[envName]));
}
