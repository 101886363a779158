import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedStack } from '#local/embedded-stack';

/**
 * Test-only entry (startStackProcess's `entry`): the embedded stack with the local S3's checks off, as if
 * the bucket's policy let anyone write anywhere. It prints what local/start.ts prints, so the same helpers
 * find its endpoints. What it proves: the functions alone refuse an upload Halo did not hand out.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const stack = await startEmbeddedStack({ port: 0, host: '127.0.0.1', dataDir: ':memory:', projectRoot, s3Checks: false });
console.log(`Halo is running (embedded default; the bucket checks nothing: tests only)
  HTTP API        ${stack.url}/api
  WebSocket       ${stack.websocketUrl}
  DynamoDB        ${stack.dynamodbEndpoint}
  S3              ${stack.s3Endpoint}
Press Ctrl-C to stop.`);
const stop = async () => {
  await stack.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
