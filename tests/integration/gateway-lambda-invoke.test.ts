import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { startGatewayServer, type GatewayServer } from '#local/gateway-server';
import { lambdaApiInvoker } from '#local/lambda-api-invoker';
import { openSocket } from '../support/socket-client';
import { waitUntil } from '../support/wait-until';

/**
 * The Docker set-up's gateway invokes deployed functions through the Lambda API. Here a stand-in Lambda
 * API (the REST shape LocalStack and AWS serve: POST /2015-03-31/functions/{name}/invocations) records
 * every invocation and answers like a Lambda would, so the gateway's side of that protocol is tested
 * with the real @aws-sdk/client-lambda, without Docker.
 */
type StandIn = (event: any) => { payload?: unknown; functionError?: string; refusal?: string }; // eslint-disable-line @typescript-eslint/no-explicit-any

const invocations: { name: string; event: any }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
const functions: Record<string, StandIn> = {
  'Halo-oauth-metadata': () => ({ payload: { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"issuer":"x"}' } }),
  'Halo-register': (event) => ({ payload: { statusCode: 201, headers: { 'x-seen-path': event.rawPath }, body: event.body } }),
  'Halo-get-user': () => ({ functionError: 'Unhandled', payload: { errorType: 'Error', errorMessage: 'boom' } }),
  'Halo-not-found': () => ({ payload: { statusCode: 404, body: '{"status":"fail","data":{"route":"nope"}}' } }),
  // LocalStack refuses an event over its own limit (6 MiB + 100 B) as the Invoke API does.
  'Halo-login': () => ({ refusal: 'Request must be smaller than 6291556 bytes for the InvokeFunction operation' }),
  'Halo-upload-avatar': () => ({ payload: { statusCode: 200, body: 'reached' } }),
  // A result over Lambda's response limit (6 MiB + 100 B) that the Lambda API relayed anyway.
  'Halo-jwks': () => ({ payload: { statusCode: 200, body: 'k'.repeat(6 * 1024 * 1024 + 100) } }),
  'Halo-ws-connect': (event) => ({ payload: event.queryStringParameters?.access_token === 'good' ? { statusCode: 200 } : { statusCode: 401 } }),
  'Halo-ws-message': (event) =>
    JSON.parse(event.body).huge
      ? { payload: { statusCode: 200, body: 'h'.repeat(6 * 1024 * 1024 + 100) } } // over Lambda's response limit
      : { payload: { statusCode: 200, body: '{"type":"pong"}' } },
  'Halo-ws-disconnect': () => ({ payload: { statusCode: 200 } }),
};

let lambdaApi: Server;
let lambda: LambdaClient;
let gateway: GatewayServer;

beforeAll(async () => {
  lambdaApi = createServer((req, res) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const name = decodeURIComponent(match?.[1] ?? '');
      const standIn = functions[name];
      if (req.method !== 'POST' || !standIn) {
        res.writeHead(404, { 'x-amzn-errortype': 'ResourceNotFoundException' }).end(JSON.stringify({ message: `Function not found: ${name}` }));
        return;
      }
      const event = JSON.parse(Buffer.concat(chunks).toString());
      invocations.push({ name, event });
      const { payload, functionError, refusal } = standIn(event);
      if (refusal) {
        res.writeHead(413, { 'content-type': 'application/json', 'x-amzn-errortype': 'RequestEntityTooLargeException' }).end(JSON.stringify({ Type: 'User', message: refusal }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', ...(functionError ? { 'x-amz-function-error': functionError } : {}) });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    });
  });
  await new Promise<void>((done) => lambdaApi.listen(0, '127.0.0.1', () => done()));
  lambda = new LambdaClient({
    endpoint: `http://127.0.0.1:${(lambdaApi.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  gateway = await startGatewayServer({ port: 0, host: '127.0.0.1', invoke: lambdaApiInvoker(lambda, (fn) => `Halo-${fn.name}`) });
});

afterAll(async () => {
  await gateway.close();
  lambda.destroy();
  await new Promise<void>((done) => lambdaApi.close(() => done()));
});

describe('the gateway in Lambda-invoke mode (Docker set-up), against a stand-in Lambda API', () => {
  it('invokes the catalog function by its deployed name with a payload 2.0 event, and relays its result', async () => {
    const reply = await fetch(`${gateway.url}/api/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('x-seen-path')).toBe('/api/register');
    expect(await reply.text()).toBe('{"a":1}');
    const call = invocations.find((i) => i.name === 'Halo-register');
    expect(call?.event).toMatchObject({ version: '2.0', routeKey: 'POST /api/register', rawPath: '/api/register', isBase64Encoded: false });
    expect(call?.event.requestContext).toMatchObject({ http: { method: 'POST', path: '/api/register' }, stage: '$default' });
  });

  it('answers 500 {"message":"Internal Server Error"} without the function\'s words when the function fails', async () => {
    const reply = await fetch(`${gateway.url}/api/user`);
    expect(reply.status).toBe(500);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(await reply.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers a RequestEntityTooLargeException from the Lambda API as API Gateway does: 413 {"message":"Request Entity Too Large"}', async () => {
    const reply = await fetch(`${gateway.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(reply.status).toBe(413);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.headers.get('apigw-requestid')).toEqual(expect.any(String));
    expect(await reply.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it('does not send an event over AWS\'s request limit (LocalStack would take up to 100 bytes more): the same 413', async () => {
    const sent = invocations.length;
    const reply = await fetch(`${gateway.url}/api/user/avatar`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: Buffer.alloc(4_771_821, 1) });
    expect(reply.status).toBe(413);
    expect(await reply.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(invocations.length).toBe(sent);
  });

  it('answers a result over Lambda\'s response limit with 500, as the failed invocation it is on AWS', async () => {
    const reply = await fetch(`${gateway.url}/.well-known/jwks.json`);
    expect(reply.status).toBe(500);
    expect(await reply.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('routes unmatched requests to the not-found function', async () => {
    const reply = await fetch(`${gateway.url}/nowhere`);
    expect(reply.status).toBe(404);
    expect(invocations.at(-1)?.name).toBe('Halo-not-found');
  });

  it('runs $connect, route responses and $disconnect through the Lambda API', async () => {
    await expect(openSocket(`${gateway.websocketUrl}`, 'bad', 'query')).rejects.toMatchObject({ status: 401 });
    const socket = await openSocket(gateway.websocketUrl, 'good', 'query');
    socket.socket.send(JSON.stringify({ action: 'ping' }));
    expect(await socket.next((m: { type: string }) => m.type === 'pong')).toEqual({ type: 'pong' });
    const connect = invocations.find((i) => i.name === 'Halo-ws-connect' && i.event.queryStringParameters?.access_token === 'good');
    expect(connect?.event.requestContext).toMatchObject({ routeKey: '$connect', eventType: 'CONNECT', connectionId: expect.any(String) });
    expect(invocations.find((i) => i.name === 'Halo-ws-message')?.event.requestContext.routeKey).toBe('ping');
    socket.close();
    await socket.closed;
    await waitUntil(async () => invocations.some((i) => i.name === 'Halo-ws-disconnect'));
  });

  it('holds a route response to Lambda\'s response limit too: the socket gets API Gateway\'s error, not the result', async () => {
    const socket = await openSocket(gateway.websocketUrl, 'good', 'query');
    socket.socket.send(JSON.stringify({ action: 'ping', huge: true }));
    expect(await socket.next((m: { message?: string }) => m.message !== undefined)).toMatchObject({ message: 'Internal server error' });
    socket.close();
    await socket.closed;
  });
});
