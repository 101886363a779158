import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SITE_FOLDER } from '#lib/docs/site';
import { ensureDocsSite } from '#tools/docs/site-builder';
import { redact } from '#lib/logging/redact';
import { SCHEDULED_FUNCTIONS } from '#infra/catalog';
import { startEmbeddedStack } from './embedded-stack';
import { SCHEDULE_CONTROL_PREFIX, scheduleSettingFrom, type ScheduleSetting } from './schedules';

/**
 * `npm start`: the embedded default. PORT (default 3000), HOST (default 127.0.0.1: reachable from this
 * machine only; the local S3 listens there too) and DATA_DIR (default ./.data; ':memory:' keeps nothing)
 * choose where it lives; AWS_ENDPOINT_URL_DYNAMODB (with TABLE_NAME, default halo) a DynamoDB to use instead
 * of dynalite. For a container (docker-compose.embedded.yml), which publishes fixed ports and is
 * reached under another name than its own: S3_PORT (the local S3's port; default 0, a free one),
 * PUBLIC_URL (where clients reach the gateway; default http://localhost:<PORT>) and S3_PUBLIC_ENDPOINT
 * (where browsers reach the local S3, which presigned URLs name; read by lib/config.ts like on AWS).
 * HALO_THROTTLE_RATE and HALO_THROTTLE_BURST the stage throttle, as for `cdk deploy` (infra/stage-throttle.ts).
 */
// Lambda runs Node 22; the SDK's notice that it will leave Node 20 behind is for us, not for every `npm start`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
function portFrom(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (Number.isInteger(value) && value >= 0 && value <= 65535) return value;
  console.error(`${name} must be a port number, got "${process.env[name]}"`);
  return process.exit(1);
}
const port = portFrom('PORT', 3000);
const s3Port = portFrom('S3_PORT', 0);
const publicUrl = process.env.PUBLIC_URL?.trim() || undefined;
const dataDir = process.env.DATA_DIR ?? resolve(projectRoot, '.data');
// For tests of eventual consistency: `hold` (index changes wait until released) or a lag in milliseconds.
const lagSetting = process.env.LOCAL_DYNAMODB_INDEX_LAG?.trim();
const indexLag = !lagSetting ? undefined : lagSetting === 'hold' ? ('hold' as const) : { ms: Number(lagSetting) };
if (indexLag && indexLag !== 'hold' && !(Number.isInteger(indexLag.ms) && indexLag.ms >= 0)) {
  console.error(`LOCAL_DYNAMODB_INDEX_LAG must be "hold" or a whole number of milliseconds, got "${lagSetting}"`);
  process.exit(1);
}

// The catalog's schedules (finish-deletions): at their periods, `off`, or every LOCAL_SCHEDULES seconds.
let schedules: ScheduleSetting = 'catalog';
try {
  schedules = scheduleSettingFrom(process.env.LOCAL_SCHEDULES);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
const scheduleLine =
  schedules === 'off'
    ? 'on demand only'
    : schedules === 'catalog'
      ? SCHEDULED_FUNCTIONS.map(({ fn, schedule }) => `${fn.name} every ${schedule.everyMinutes} min`).join(', ')
      : `every ${schedules.everySeconds} s`;

// For tests only: the local S3 takes injected failures at POST /_local/faults (local/s3-auth/faults.ts).
const s3Faults = process.env.LOCAL_S3_FAULTS?.trim() === 'on';

// The documentation served at /docs: built on the first start, and again whenever its sources change.
const docs = await ensureDocsSite({ projectRoot, outDir: resolve(projectRoot, SITE_FOLDER) }).catch((error: Error) => {
  console.warn(`The documentation site could not be built, so /docs will answer 404 (npm run docs:build says why):\n${error.message}`);
  return 'failed' as const;
});

// The AWS SDK's own variable for a DynamoDB endpoint: set, it replaces dynalite (Amazon's DynamoDB Local, for one).
const dynamodbEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB?.trim() || undefined;
const tableName = process.env.TABLE_NAME?.trim() || undefined;

const stack = await startEmbeddedStack({ port, host: process.env.HOST ?? '127.0.0.1', s3Port, publicUrl, dataDir, projectRoot, dynamodbEndpoint, tableName, indexLag, schedules, s3Faults }).catch((error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE') console.error(`Port ${port}${s3Port ? ` or ${s3Port}` : ''} is already in use: stop what holds it, or choose another with PORT=…${s3Port ? ' or S3_PORT=…' : ''}`);
  else console.error('Halo could not start:', redact(error));
  process.exit(1);
});

console.log(`Halo is running (embedded default)
  HTTP API        ${stack.url}/api
  WebSocket       ${stack.websocketUrl}
  OAuth metadata  ${stack.url}/.well-known/oauth-authorization-server
  JWKS            ${stack.url}/.well-known/jwks.json
  Docs            ${stack.url}/docs${docs === 'built' ? '  (just built from docs/)' : ''}
  DynamoDB        ${stack.dynamodbEndpoint}  (${dynamodbEndpoint ? 'AWS_ENDPOINT_URL_DYNAMODB' : 'dynalite'}, table "${stack.tableName}"${indexLag ? `; byUser index lagging: ${indexLag === 'hold' ? 'held until released' : `${indexLag.ms} ms`}` : ''})
  S3              ${process.env.S3_PUBLIC_ENDPOINT?.trim() || stack.s3Endpoint}  (s3rver, bucket "halo-avatars"${s3Faults ? '; test faults on: LOCAL_S3_FAULTS' : ''})
  data            ${dataDir === ':memory:' ? 'in memory (gone when stopped)' : dataDir}
  throttle        ${stack.throttle.rateLimit} requests/s, bursts of ${stack.throttle.burstLimit}, per API (as deployed; HALO_THROTTLE_RATE, HALO_THROTTLE_BURST)
  schedules       ${scheduleLine}; run one now: POST ${stack.url}${SCHEDULE_CONTROL_PREFIX}<name>  (LOCAL_SCHEDULES)
  route throttles ${stack.routeThrottles.size === 0 ? 'off (HALO_ROUTE_THROTTLES=off)' : [...stack.routeThrottles].map(([route, t]) => `${route} ${t.rateLimit}/s burst ${t.burstLimit}`).join('; ')}
Press Ctrl-C to stop.`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping Halo…`);
  await stack.close();
  console.log('Stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
