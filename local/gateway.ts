import { LambdaClient } from '@aws-sdk/client-lambda';
import { deployedFunctionName } from '#infra/catalog';
import { startGatewayServer } from './gateway-server';
import { lambdaApiInvoker } from './lambda-api-invoker';

/**
 * The front door for the Docker set-up: LocalStack's free image runs the Lambdas, table and bucket but
 * has no API Gateway v2, so this serves the same HTTP API, WebSocket API and @connections as
 * `npm start`, invoking the deployed functions (named `<stack>-<function>`) through the Lambda API.
 *
 * PORT (3000), HOST (0.0.0.0), PUBLIC_URL (http://localhost:3000), LAMBDA_ENDPOINT (required),
 * HALO_STACK_NAME (Halo), HALO_THROTTLE_RATE and HALO_THROTTLE_BURST (the stage throttle, as for `cdk deploy`), HALO_ROUTE_THROTTLES (on|off),
 * plus the usual AWS_REGION and credentials.
 */
const endpoint = process.env.LAMBDA_ENDPOINT;
if (!endpoint) {
  console.error('LAMBDA_ENDPOINT is not set: where is the Lambda API (e.g. http://localstack:4566)?');
  process.exit(1);
}
const port = Number(process.env.PORT ?? 3000);
const stackName = process.env.HALO_STACK_NAME ?? 'Halo';
const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;

const lambda = new LambdaClient({ endpoint, region: process.env.AWS_REGION ?? 'us-east-1' });
const gateway = await startGatewayServer({
  port,
  host: process.env.HOST ?? '0.0.0.0',
  publicUrl,
  invoke: lambdaApiInvoker(lambda, (fn) => deployedFunctionName(stackName, fn)),
});
console.log(`Halo gateway: HTTP ${gateway.url}, WebSocket ${gateway.websocketUrl}, invoking ${stackName}-* at ${endpoint}`);

const stop = async () => {
  await gateway.close();
  lambda.destroy();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
