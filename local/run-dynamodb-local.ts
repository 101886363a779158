import { startAmazonDynamoDbLocal } from './amazon-dynamodb-local';

/**
 * `npm run dynamodb-local`: Amazon's DynamoDB Local in the foreground, in memory, on DYNAMODB_LOCAL_PORT
 * (default 8000), for `AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 npm start` in another terminal.
 */
// The SDK's notice that it will leave Node 20 behind is for us, not for every run (as in local/start.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = Number(process.env.DYNAMODB_LOCAL_PORT ?? 8000);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`DYNAMODB_LOCAL_PORT must be a port number from 1 to 65535, got "${process.env.DYNAMODB_LOCAL_PORT}"`);
  process.exit(1);
}

const engine = await startAmazonDynamoDbLocal({ port }).catch((error: NodeJS.ErrnoException) => {
  console.error(
    error.code === 'ENOENT'
      ? 'DynamoDB Local needs Java 17 or newer: apt-get install -y --no-install-recommends default-jre-headless'
      : `DynamoDB Local could not start: ${error.message}`,
  );
  process.exit(1);
});

console.log(`Amazon DynamoDB Local is running, in memory (gone when stopped)
  endpoint  ${engine.endpoint}
Start Halo on it in another terminal:
  AWS_ENDPOINT_URL_DYNAMODB=${engine.endpoint} npm start
Press Ctrl-C to stop.`);

const stop = async () => {
  await engine.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
