import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HaloStack, STACK_ID } from './halo-stack';
import { reservedConcurrencyOnFrom } from './reserved-concurrency';
import { routeThrottlesOnFrom } from './route-throttles';
import { stageThrottleFrom } from './stage-throttle';
import { targetFrom } from './target';

/**
 * `cdk synth` / `cdk deploy` entry (see cdk.json). Options, as context (`-c name=value`) or environment:
 * - target / HALO_TARGET: `aws` (default) or `localstack` (what `docker compose up` deploys; see infra/target.ts);
 * - stackName / HALO_STACK_NAME: the stack's name, and the prefix of every function's name (default: Halo);
 * - publicBaseUrl / HALO_PUBLIC_BASE_URL: the public base URL used as ISSUER. On AWS an https custom domain
 *   (default: the HTTP API's endpoint); in LocalStack where the compose gateway is reached (default http://localhost:3000);
 * - retainData / HALO_RETAIN_DATA: `false` for throwaway stacks whose table and buckets may be deleted (default: true).
 *   Either way the buckets must be emptied by hand before CloudFormation can delete them (no custom resources);
 * - throttleRate / HALO_THROTTLE_RATE and throttleBurst / HALO_THROTTLE_BURST: both API stages' throttle, requests per
 *   second and burst (default 1,000 and 500: infra/stage-throttle.ts says why). The local gateway reads the same
 *   environment variables, so `npm start` and the compose gateway throttle like the stack;
 * - routeThrottles / HALO_ROUTE_THROTTLES: `on` (default) or `off`, the expensive routes' own throttles
 *   (infra/route-throttles.ts, per route in infra/catalog.ts), read by the local gateway too;
 * - reservedConcurrency / HALO_RESERVED_CONCURRENCY: `off` (default) or `on`, the catalog's reserved concurrency
 *   (infra/reserved-concurrency.ts says why it is off by default);
 * - AWS only: alarmEmail / HALO_ALARM_EMAIL, an address the alarms notify through an SNS topic;
 * - LocalStack only: connectionsEndpoint, s3Endpoint, s3PublicEndpoint, lambdaArchitecture (HALO_CONNECTIONS_ENDPOINT,
 *   HALO_S3_ENDPOINT, HALO_S3_PUBLIC_ENDPOINT, HALO_LAMBDA_ARCHITECTURE): see infra/target.ts for their defaults.
 *
 * The AWS target is checked by cdk-nag (AWS Solutions rules) on every synth: any finding not acknowledged
 * in the code, with its reason, fails the synth, and so `cdk deploy`.
 */
const app = new App();

const option = (contextKey: string, envName: string): string | undefined => {
  const value = app.node.tryGetContext(contextKey) ?? process.env[envName];
  return value === undefined || value === '' ? undefined : String(value);
};

function retainData(): boolean {
  const raw = option('retainData', 'HALO_RETAIN_DATA') ?? 'true';
  if (raw !== 'true' && raw !== 'false') throw new Error(`retainData must be true or false, got "${raw}"`);
  return raw === 'true';
}

const target = targetFrom(option);
const stack = new HaloStack(app, option('stackName', 'HALO_STACK_NAME') ?? STACK_ID, {
  description:
    target.kind === 'aws'
      ? 'Halo account service: HTTP and WebSocket APIs, functions, table, avatar bucket and signing key'
      : 'Halo account service for LocalStack: functions, table, avatar bucket and signing key (the compose gateway serves the APIs)',
  retainData: retainData(),
  target,
  stageThrottle: stageThrottleFrom(option),
  routeThrottlesOn: routeThrottlesOnFrom(option),
  reservedConcurrencyOn: reservedConcurrencyOnFrom(option),
});
Tags.of(app).add('service', 'halo');
if (target.kind === 'aws') Validations.of(app).addPlugins(new AwsSolutionsChecks(stack, { verbose: true }));

app.synth();
