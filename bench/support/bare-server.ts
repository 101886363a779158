import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { startLocalDynamoDb } from '#local/local-dynamodb';
import { ensureSigningKeyFile } from '#local/signing-key-file';
import { envFlag, PROJECT_ROOT, setEnv } from './environment';
import { installCallCounter, recordCount, recordedSince, withLabel } from './sdk-call-counter';
import { ENV } from '#lib/config';

/**
 * The latency baseline: the same handler modules (functions/<name>.ts), with the same in-process
 * dynalite and key file as the embedded stack, behind a bare node:http server that hands each request
 * to its handler as a hand-built payload 2.0 event: no route matching, no gateway, nothing else.
 * It also times each handler call and the SDK calls inside it (GET /__bench/timings), which is what
 * the cost model's Lambda durations start from.
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

// Only the server that times handlers counts SDK calls: attributing them (AsyncLocalStorage) and keeping a record
// of each costs every request something, which the latency baseline must not pay (bench/latency.ts).
const instrumented = envFlag('BARE_SERVER_TIMED') === '1';
if (instrumented) installCallCounter();
const dynamodb = await startLocalDynamoDb(undefined, 'halo');
const keyDir = await mkdtemp(join(tmpdir(), 'halo-bench-bare-'));
await ensureSigningKeyFile(join(keyDir, 'signing-keys.json'), join(keyDir, 'public-keys.json'));
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
setEnv({
  [ENV.tableName]: 'halo',
  [ENV.dynamodbEndpoint]: dynamodb.endpoint,
  [ENV.avatarBucket]: 'halo-avatars',
  [ENV.s3Endpoint]: 'http://127.0.0.1:9',
  [ENV.issuer]: url,
  [ENV.connectionsEndpoint]: url,
  [ENV.signingKeyFile]: join(keyDir, 'signing-keys.json'),
  [ENV.publicKeySetFile]: join(keyDir, 'public-keys.json'),
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: 'us-east-1',
});

const routes = new Map<string, Handler>();
for (const [route, name] of [
  ['GET /api/user', 'get-user'],
  ['POST /api/refresh', 'refresh'],
  ['POST /api/login', 'login'],
  ['POST /api/register', 'register'],
] as const) {
  const module = (await import(join(PROJECT_ROOT, 'functions', `${name}.ts`))) as { handler: Handler };
  routes.set(route, module.handler);
}

const context = (name: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: name,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
  memoryLimitInMB: '256',
  awsRequestId: randomUUID(),
  logGroupName: name,
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** Handler time and the SDK time inside it, per route, for requests that asked to be timed. */
const timings = new Map<string, { handlerMs: number; sdkMs: number; calls: number }[]>();

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

server.on('request', (req, res) => {
  void (async () => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/__bench/timings') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Object.fromEntries(timings)));
      timings.clear();
      return;
    }
    const route = `${req.method} ${path}`;
    const handler = routes.get(route);
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    const event = {
      version: '2.0',
      routeKey: route,
      rawPath: path,
      rawQueryString: '',
      headers,
      body: body || undefined,
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'bare',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: { method: req.method ?? 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: randomUUID(),
        routeKey: route,
        stage: '$default',
        time: new Date().toUTCString(),
        timeEpoch: Date.now(),
      },
    } as APIGatewayProxyEventV2;
    const timed = instrumented && headers['x-bench-time'] === '1';
    const label = randomUUID();
    const from = recordCount();
    const start = performance.now();
    const result = instrumented ? await withLabel(label, () => handler(event, context(route))) : await handler(event, context(route));
    const handlerMs = performance.now() - start;
    if (timed) {
      const calls = recordedSince(from).filter((call) => call.label === label);
      const list = timings.get(route) ?? [];
      list.push({ handlerMs, sdkMs: calls.reduce((sum, call) => sum + call.ms, 0), calls: calls.length });
      timings.set(route, list);
    }
    // As API Gateway (and local/http-api.ts) does: headers set to nothing are not sent.
    const outgoing: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) if (value !== undefined && value !== '') outgoing[name] = String(value);
    res.writeHead(result.statusCode ?? 200, outgoing).end(result.body ?? '');
  })().catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500).end();
  });
});

process.on('SIGINT', () => {
  server.closeAllConnections();
  server.close(() => void dynamodb.close().then(() => process.exit(0)));
});
console.log(`BARE SERVER ${url}`);
