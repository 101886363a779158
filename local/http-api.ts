import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { SECURITY_HEADERS } from '#functions/common/security-headers';
import { CORS } from '#infra/catalog';
import { DEFAULT_ROUTE, matchRoute } from '#infra/route-matching';
import { HTTP_API } from '#infra/aws-limits';
import { redact } from '#lib/logging/redact';
import { amznTraceId, apiGatewayId, clfTime } from './aws-formats';
import type { Invoker } from './function-invoker';
import { answerForFailedIntegration, GATEWAY_ANSWERS, withinIntegrationTimeout, type GatewayAnswer } from './gateway-answers';

/** Real API Gateway limits (infra/aws-limits.ts), mirrored so that nothing works locally that would fail on AWS. */
export const HTTP_API_LIMITS: { readonly payloadBytes: number; readonly integrationTimeoutMs: number } = {
  payloadBytes: HTTP_API.payloadBytes,
  integrationTimeoutMs: HTTP_API.integrationTimeoutMs,
};

// HTTP APIs pass these media types to Lambda as text; everything else arrives base64-encoded.
const TEXTUAL = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|application\/[\w.+-]*\+(json|xml))/i;

/**
 * A local API Gateway HTTP API: matches the catalog's routes as API Gateway does, builds payload
 * format 2.0 events, invokes the function, and writes its result back the way API Gateway would.
 */
export function httpApi(invoke: Invoker, publicHost: string, limits: Partial<typeof HTTP_API_LIMITS> = {}) {
  const { payloadBytes, integrationTimeoutMs } = { ...HTTP_API_LIMITS, ...limits };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = apiGatewayId('base64url');
    res.setHeader('apigw-requestid', requestId);
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('access-control-allow-origin', '*');
      res.setHeader('access-control-expose-headers', CORS.exposeHeaders.join(','));
    }
    if (req.method === 'OPTIONS' && origin && req.headers['access-control-request-method']) {
      res.writeHead(204, {
        ...GATEWAY_HEADERS,
        'access-control-allow-methods': CORS.allowMethods.join(','),
        'access-control-allow-headers': CORS.allowHeaders.join(','),
        'access-control-max-age': String(CORS.maxAgeSeconds),
      });
      res.end();
      return;
    }

    const body = await readBody(req, payloadBytes);
    if (body === 'aborted') {
      res.destroy(); // the client went away mid-body: nobody is left to answer
      return;
    }
    if (body === 'too large') {
      writeGatewayAnswer(res, GATEWAY_ANSWERS.requestTooLarge);
      return;
    }

    const url = requestUrl(req);
    if (!url) {
      writeGatewayError(res, 400, 'is not a valid request target', 'url');
      return;
    }
    const method = req.method ?? 'GET';
    const match = matchRoute(method, url.pathname);
    const target = match ?? (DEFAULT_ROUTE && { fn: DEFAULT_ROUTE.fn, routeKey: '$default' as const, pathParameters: undefined });
    if (!target) {
      writeGatewayError(res, 404, 'no route matches', 'route');
      return;
    }

    const event = toEvent(req, url, body, { requestId, routeKey: target.routeKey, pathParameters: target.pathParameters, publicHost });
    let result: APIGatewayProxyResultV2;
    try {
      result = (await withinIntegrationTimeout(invoke(target.fn, event), integrationTimeoutMs)) as APIGatewayProxyResultV2;
    } catch (error) {
      // Lambda refused the event, the function failed, or the integration timed out: API Gateway's own answer
      // (413, 500, 503), never the function's words.
      console.error(`[http-api] ${target.fn.name} failed:`, redact(error));
      writeGatewayAnswer(res, answerForFailedIntegration(error));
      return;
    }
    try {
      writeResult(res, result);
    } catch (error) {
      // A header value Node refuses to send (e.g. a control character): API Gateway answers such a
      // malformed integration response with a 500 of its own.
      console.error(`[http-api] ${target.fn.name} returned a result that cannot be sent:`, redact(error));
      if (!res.headersSent) writeGatewayAnswer(res, GATEWAY_ANSWERS.functionFailed);
    }
  };
}

/**
 * The request target as a URL, or undefined when it is not one (`GET http://[ HTTP/1.1` parses as HTTP).
 * An origin-form target is a path, whatever follows its first "/" (`//x` is not a host, as for API Gateway).
 */
export function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  try {
    return new URL(target.startsWith('/') ? `http://gateway.local${target}` : target);
  } catch {
    return undefined;
  }
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  route: { requestId: string; routeKey: string; pathParameters?: Record<string, string>; publicHost: string },
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headersDistinct)) {
    if (value && name !== 'cookie') headers[name] = value.join(',');
  }
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
  headers['x-forwarded-port'] = String(req.socket.localPort ?? 80);
  headers['x-amzn-trace-id'] = amznTraceId(Date.now());
  const cookies = req.headers.cookie?.split(';').map((c) => c.trim()).filter(Boolean);
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  const textual = TEXTUAL.test(headers['content-type'] ?? '');

  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: cookies?.length ? cookies : undefined,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: route.pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: route.publicHost,
      domainPrefix: route.publicHost.split('.')[0] ?? route.publicHost,
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: route.requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: clfTime(now.getTime()),
      timeEpoch: now.getTime(),
    },
    body: body.length === 0 ? undefined : textual ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

/** Payload 2.0 responses: a structured result, or any other value sent as JSON with status 200. */
function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (value !== undefined && value !== null && value !== '') headers[name.toLowerCase()] = String(value);
  }
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(result.statusCode ?? 200, headers).end(body);
}

/**
 * What the gateway adds to the answers it writes itself: the functions' own security headers, so that locally
 * no answer is weaker than another. On AWS, API Gateway's own answers (its 413, 500, 503, CORS preflights and
 * handshake refusals) cannot carry them: HTTP APIs have no response-header settings for those; only a
 * CloudFront distribution with a response-headers policy in front of the API could add them.
 */
export const GATEWAY_HEADERS: Readonly<Record<string, string>> = { ...SECURITY_HEADERS, 'cache-control': 'no-store' };

const jsendBody = (status: number, message: string, field: string) =>
  JSON.stringify(status < 500 ? { status: 'fail', data: { [field]: message } } : { status: 'error', message });

/**
 * API Gateway's own answer to a request it could not take to a function or back (local/gateway-answers.ts):
 * `{"message":"…"}`, with the gateway's headers (`apigw-requestid` is already set).
 */
function writeGatewayAnswer(res: ServerResponse, { status, message }: GatewayAnswer): void {
  res.writeHead(status, { ...GATEWAY_HEADERS, 'content-type': 'application/json' }).end(JSON.stringify({ message }));
}

/** Errors raised by the gateway itself (not by a function); JSend like every other Halo answer. */
function writeGatewayError(res: ServerResponse, status: number, message: string, field = 'request'): void {
  res.writeHead(status, { ...GATEWAY_HEADERS, 'content-type': 'application/json; charset=utf-8' }).end(jsendBody(status, message, field));
}

/**
 * Node's `clientError`: bytes that are not HTTP/1.1 (a NUL in a header, a bad header name, two
 * Content-Lengths, a lying Content-Length followed by garbage). Node's own answer is a bare 400 without
 * a body; this one is the gateway's JSend, with its headers, on the way out of a connection that cannot go on.
 */
export function answerMalformedRequest(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, field, problem] =
    error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers', 'must be at most 16 KB together'] : [400, 'request', 'is not valid HTTP/1.1'];
  socket.end(rawAnswer(status, jsendBody(status, problem, field)));
}

/**
 * A whole HTTP/1.1 answer as text, for sockets no ServerResponse stands for (malformed requests, refused
 * WebSocket handshakes), with the gateway's headers. The connection closes after it.
 */
export function rawAnswer(status: number, jsonBody = ''): string {
  const headers = { ...GATEWAY_HEADERS, ...(jsonBody ? { 'content-type': 'application/json; charset=utf-8' } : {}) };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${lines.join('')}content-length: ${Buffer.byteLength(jsonBody)}\r\nconnection: close\r\n\r\n${jsonBody}`;
}

/**
 * Reads the body up to `limit`; beyond it (or when its Content-Length says it will go beyond it), keeps reading
 * to the end but stores nothing. The 413 waits for that end: a server that answers and closes while the client
 * is still sending resets the connection, and the client never reads the answer. A client that disconnects
 * before its body is complete gets no answer.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large' | 'aborted'> {
  const declaredTooLarge = Number(req.headers['content-length'] ?? 0) > limit;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (!declaredTooLarge && size <= limit) chunks.push(chunk);
    }
  } catch {
    return 'aborted';
  }
  return declaredTooLarge || size > limit ? 'too large' : Buffer.concat(chunks);
}
