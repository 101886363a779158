import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { CORS } from '../infra/catalog';
import { DEFAULT_ROUTE, matchRoute } from '../infra/route-matching';
import { redact } from '../lib/logging/redact';
import type { Invoker } from './function-invoker';

/** Real API Gateway limits, mirrored so that nothing works locally that would fail on AWS. */
export const HTTP_API_LIMITS = { payloadBytes: 10 * 1024 * 1024 } as const;

// HTTP APIs pass these media types to Lambda as text; everything else arrives base64-encoded.
const TEXTUAL = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|application\/[\w.+-]*\+(json|xml))/i;

/**
 * A local API Gateway HTTP API: matches the catalog's routes as API Gateway does, builds payload
 * format 2.0 events, invokes the function, and writes its result back the way API Gateway would.
 */
export function httpApi(invoke: Invoker, publicHost: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    res.setHeader('apigw-requestid', requestId);
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('access-control-allow-origin', '*');
      res.setHeader('access-control-expose-headers', CORS.exposeHeaders.join(','));
    }
    if (req.method === 'OPTIONS' && origin && req.headers['access-control-request-method']) {
      res.writeHead(204, {
        'access-control-allow-methods': CORS.allowMethods.join(','),
        'access-control-allow-headers': CORS.allowHeaders.join(','),
        'access-control-max-age': String(CORS.maxAgeSeconds),
      });
      res.end();
      return;
    }

    const body = await readBody(req, HTTP_API_LIMITS.payloadBytes);
    if (body === 'too large') {
      writeGatewayError(res, 413, 'must be at most 10 MB (the API Gateway payload limit)', 'body');
      return;
    }

    const url = new URL(req.url ?? '/', 'http://gateway.local');
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
      result = (await invoke(target.fn, event)) as APIGatewayProxyResultV2;
    } catch (error) {
      // A crashed or timed-out integration: API Gateway answers 500/503 without the function's words.
      console.error(`[http-api] ${target.fn.name} failed:`, redact(error));
      const timedOut = (error as Error).message.includes('timed out');
      writeGatewayError(res, timedOut ? 503 : 500, timedOut ? 'Service Unavailable' : 'Internal Server Error');
      return;
    }
    writeResult(res, result);
  };
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
      time: now.toUTCString(),
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

/** Errors raised by the gateway itself (not by a function); JSend like every other Halo answer. */
function writeGatewayError(res: ServerResponse, status: number, message: string, field = 'request'): void {
  const body = status < 500 ? { status: 'fail', data: { [field]: message } } : { status: 'error', message };
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** Reads the body up to `limit`; beyond it, keeps draining (so the 413 can be delivered) but stores nothing. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    req.resume();
    return 'too large';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? 'too large' : Buffer.concat(chunks);
}
