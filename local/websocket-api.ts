import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WEBSOCKET_STAGE_NAME, type FunctionSpec } from '#infra/catalog';
import { redact } from '#lib/logging/redact';
import { amznTraceId, apiGatewayId, clfTime } from './aws-formats';
import type { Invoker } from './function-invoker';
import { rawAnswer, requestUrl } from './http-api';
import { THROTTLED_BODY, THROTTLED_MESSAGE, type TokenBucket } from './stage-throttle';
import { limitFrameSize } from './websocket-frame-limit';

/**
 * Real API Gateway WebSocket limits, mirrored so nothing works here that would fail on AWS: 10 minutes idle,
 * 2 hours per connection, 128 KB per message, 32 KB per frame; a bigger message or frame closes the
 * connection with 1009.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html
 */
export const WEBSOCKET_LIMITS = { idleMs: 10 * 60_000, maxConnectionMs: 2 * 60 * 60_000, messageBytes: 128 * 1024, frameBytes: 32 * 1024 } as const;

/** Time and timers, injectable so that tests move a clock instead of waiting minutes or hours. */
export interface WebSocketClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const SYSTEM_CLOCK: WebSocketClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface WebSocketRoute {
  readonly fn: FunctionSpec;
  /** API Gateway "route response": the function's returned body is sent back to the caller. */
  readonly returnResponse: boolean;
}

const CONNECTIONS_PATH = /^\/@connections\/([^/]+)$/;

/**
 * The connection id when this is a call to the `@connections` management API, else undefined. On AWS that API
 * has a host of its own and takes only SigV4-signed calls (the SDK always signs); here it shares the port
 * with the HTTP API, so an unsigned request is the HTTP API's (a 404 like any unknown path), and no stray
 * client can post to or close someone's socket. The signature itself is not checked: there are no
 * credentials to check it against locally.
 */
export function managementTarget(req: IncomingMessage, pathname: string | undefined): string | undefined {
  const id = pathname === undefined ? undefined : CONNECTIONS_PATH.exec(pathname)?.[1];
  if (!id || !/^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? '')) return undefined;
  return connectionIdOf(id);
}

const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;
// RFC 6455 §4.1: each offered subprotocol is an RFC 7230 token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * What makes this upgrade request no WebSocket handshake (RFC 6455 §4.2.1), as `ws` would refuse it. Checked
 * before `$connect`, as API Gateway does: a handshake refused after `$connect` had accepted it would leave the
 * connection recorded for a socket that never opened.
 */
function handshakeProblem(request: IncomingMessage): Record<string, string> | undefined {
  if (request.method !== 'GET') return { method: 'a WebSocket handshake is a GET' };
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') return { upgrade: 'must be websocket' };
  if (!WEBSOCKET_KEY.test(request.headers['sec-websocket-key'] ?? '')) return { 'sec-websocket-key': 'must be 16 bytes in base64' };
  if (request.headers['sec-websocket-version'] !== '13') return { 'sec-websocket-version': 'must be 13' };
  const offered = request.headers['sec-websocket-protocol'];
  if (offered !== undefined) {
    const protocols = offered.split(',').map((part) => part.trim());
    if (!protocols.every((protocol) => TOKEN.test(protocol)) || new Set(protocols).size !== protocols.length) {
      return { 'sec-websocket-protocol': 'must be a list of distinct tokens' };
    }
  }
  return undefined;
}

/** The id in `/@connections/{id}`; a malformed escape names no connection (so it is gone, 410), never a crash. */
function connectionIdOf(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Who is at the other end, as API Gateway reports it in every event's `requestContext.identity`. */
interface Caller {
  readonly sourceIp: string;
  readonly userAgent: string | undefined;
}

interface Connection extends Caller {
  readonly socket: WebSocket;
  readonly connectedAt: number;
  lastActiveAt: number;
  /** A message went over the socket, either way: the idle timeout starts again. */
  active(): void;
}

interface Options {
  readonly routes: ReadonlyMap<string, WebSocketRoute>;
  readonly invoke: Invoker;
  readonly publicHost: string;
  readonly limits?: Partial<typeof WEBSOCKET_LIMITS>;
  /** The stage's throttle (local/stage-throttle.ts); without one nothing is throttled. */
  readonly throttle?: TokenBucket;
  readonly clock?: WebSocketClock;
}

/**
 * Headers a proxy removes (RFC 9110 §7.6.1), and which API Gateway's `$connect` events do not carry: the
 * handshake's `Connection: Upgrade` and `Upgrade: websocket` end at API Gateway.
 */
const HOP_BY_HOP = new Set(['connection', 'upgrade', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding']);

/**
 * The handshake's headers as API Gateway passes them to `$connect`: with the names spelled as the client sent
 * them (unlike the HTTP API, which lowercases them: a function that reads only `sec-websocket-protocol` works
 * on the HTTP API's events and not on these), and with the X-Forwarded-* headers API Gateway adds. As in the
 * WebSocket events AWS's Lambda Go library keeps as test data (aws/aws-lambda-go events/testdata/apigw-websocket-request.json).
 */
function connectHeaders(request: IncomingMessage, sourceIp: string): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const multiValueHeaders: Record<string, string[]> = {};
  const spelling = new Map<string, string>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] ?? '';
    const value = request.rawHeaders[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower.startsWith('x-forwarded-') || lower === 'x-amzn-trace-id') continue;
    const key = spelling.get(lower) ?? name;
    spelling.set(lower, key);
    (multiValueHeaders[key] ??= []).push(value);
  }
  const port = request.socket.localPort;
  multiValueHeaders['X-Amzn-Trace-Id'] = [amznTraceId(Date.now())];
  multiValueHeaders['X-Forwarded-For'] = [sourceIp];
  multiValueHeaders['X-Forwarded-Port'] = [String(port ?? 80)];
  multiValueHeaders['X-Forwarded-Proto'] = ['http'];
  const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([name, values]) => [name, values.join(',')]));
  return { headers, multiValueHeaders };
}

/**
 * A local API Gateway WebSocket API: `$connect` decides the handshake (a non-2xx answer rejects it with
 * that status), messages are routed by `$request.body.action` (else `$default`), `$disconnect` follows
 * every close, and the `@connections` management endpoint lets functions send to and close sockets.
 */
export function websocketApi({ routes, invoke, publicHost, limits: overrides, throttle, clock = SYSTEM_CLOCK }: Options) {
  const limits = { ...WEBSOCKET_LIMITS, ...overrides };
  const connections = new Map<string, Connection>();
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: limits.messageBytes,
    handleProtocols: (_offered, request) => chosenProtocol.get(request) ?? false,
  });

  /**
   * The `requestContext` every event carries, field for field as in AWS's own WebSocket events (the $disconnect
   * and message events in aws/aws-lambda-go events/testdata, captured from API Gateway) and the variables of
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-mapping-template-reference.html:
   * `requestId` is the same as `extendedRequestId`; `connectedAt` is when the connection was made, in every event;
   * `requestTime` is in the Common Log Format; `stage` is the stack's stage name.
   */
  const requestContext = (connectionId: string, connectedAt: number, routeKey: string, eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT', caller: Caller) => {
    const requestTimeEpoch = clock.now();
    const requestId = apiGatewayId();
    return {
      routeKey,
      eventType,
      extendedRequestId: requestId,
      requestTime: clfTime(requestTimeEpoch),
      messageDirection: 'IN',
      stage: WEBSOCKET_STAGE_NAME,
      connectedAt,
      requestTimeEpoch,
      identity: caller.userAgent === undefined ? { sourceIp: caller.sourceIp } : { userAgent: caller.userAgent, sourceIp: caller.sourceIp },
      requestId,
      domainName: publicHost,
      connectionId,
      apiId: 'local-ws',
    };
  };

  async function invokeRoute(routeKey: string, event: Record<string, unknown>) {
    const route = routes.get(routeKey);
    if (!route) return undefined;
    return { route, result: (await invoke(route.fn, event)) as { statusCode?: number; body?: string; headers?: Record<string, string> } | undefined };
  }

  /** What the gateway itself writes on a socket (a route missing, a function failing, a throttled message). */
  function sendGatewayMessage(connection: Connection, message: string, connectionId: string, requestId: string) {
    connection.socket.send(JSON.stringify({ message, connectionId, requestId }));
    connection.active();
  }

  async function onMessage(connectionId: string, data: Buffer, isBinary: boolean) {
    const connection = connections.get(connectionId);
    if (!connection) return;
    connection.active();
    const body = data.toString(isBinary ? 'base64' : 'utf8');
    let action: unknown;
    try {
      action = (JSON.parse(body) as { action?: unknown }).action;
    } catch {
      action = undefined;
    }
    // Only custom routes are chosen by `action`: `{"action":"$disconnect"}` is an unknown message, not a disconnect.
    const routeKey = typeof action === 'string' && !action.startsWith('$') && routes.has(action) ? action : '$default';
    const context = requestContext(connectionId, connection.connectedAt, routeKey, 'MESSAGE', connection);
    // `messageId` is "available only when the eventType is MESSAGE" (the mapping template reference).
    const event = { requestContext: { ...context, messageId: apiGatewayId() }, body, isBase64Encoded: isBinary };
    if (throttle && !throttle.take()) {
      // Unverified: AWS documents that throttled requests get 429 Too Many Requests, not what a throttled
      // message gets on the socket. It is not delivered; the client is told in the shape of the gateway's other
      // socket messages (`Forbidden`, `Internal server error`).
      sendGatewayMessage(connection, THROTTLED_MESSAGE, connectionId, context.requestId);
      return;
    }
    try {
      const outcome = await invokeRoute(routeKey, event);
      if (!outcome) {
        sendGatewayMessage(connection, 'Forbidden', connectionId, context.requestId);
      } else if (outcome.route.returnResponse && outcome.result?.body !== undefined) {
        connection.socket.send(outcome.result.body);
        connection.active();
      }
    } catch (error) {
      console.error(`[websocket] ${routeKey} failed:`, redact(error));
      sendGatewayMessage(connection, 'Internal server error', connectionId, context.requestId);
    }
  }

  /**
   * The idle timeout and the connection limit. AWS's quota table gives only "Idle Connection Timeout: 10 minutes"
   * and "Connection duration: 2 hours" (the limits page above), not what counts as activity. Taken here, as users of
   * API Gateway report it (e.g. https://hotsock.io/docs/connections/keep-alive: closed when "no messages are sent
   * between the server and client for a 10-minute period", kept open by messages the server sends through
   * `@connections`): a data message either way restarts the 10 minutes, whether the client sends it or a function
   * posts it through `@connections` (or a route response or the gateway's own message goes back). WebSocket
   * ping/pong control frames do not count: unverified; reports (e.g. andyrichardson/subscriptionless#3) say API
   * Gateway ignores them, and Halo's clients are told to send `{"action":"ping"}` messages, which count either way.
   */
  function track(connectionId: string, socket: WebSocket, connectedAt: number, caller: Caller) {
    limitFrameSize(socket, limits.frameBytes);
    const goAway = () => socket.close(1001, 'Going away');
    let idleTimer = clock.setTimeout(goAway, limits.idleMs);
    let closed = false;
    const connection: Connection = {
      socket,
      connectedAt,
      lastActiveAt: connectedAt,
      ...caller,
      active() {
        // A route's answer can come back after the socket closed: no timer for a connection that is gone.
        if (closed) return;
        connection.lastActiveAt = clock.now();
        clock.clearTimeout(idleTimer);
        idleTimer = clock.setTimeout(goAway, limits.idleMs);
      },
    };
    connections.set(connectionId, connection);
    // Counted from the connection, whatever happens on it: no activity extends the 2 hours.
    const lifetime = clock.setTimeout(goAway, Math.max(0, connectedAt + limits.maxConnectionMs - clock.now()));
    socket.on('message', (data: Buffer, isBinary: boolean) => void onMessage(connectionId, data, isBinary));
    // A frame or message over the limit or a broken one: ws closes the socket (1009, 1002, ...) after this event, which
    // without a listener would be thrown and end the whole process, every other socket and request with it.
    socket.on('error', (error: Error) => console.error(`[websocket] ${connectionId} sent what cannot be read: ${error.message}`));
    socket.on('close', (code: number, reason: Buffer) => {
      closed = true;
      clock.clearTimeout(idleTimer);
      clock.clearTimeout(lifetime);
      connections.delete(connectionId);
      const event = {
        // The headers API Gateway gives `$disconnect`: not the handshake's, but these four (AWS's captured $disconnect event).
        headers: { Host: publicHost, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
        multiValueHeaders: { Host: [publicHost], 'x-api-key': [''], 'X-Forwarded-For': [''], 'x-restapi': [''] },
        requestContext: {
          ...requestContext(connectionId, connectedAt, '$disconnect', 'DISCONNECT', caller),
          disconnectStatusCode: code,
          disconnectReason: reason.toString(),
        },
        isBase64Encoded: false,
      };
      invokeRoute('$disconnect', event).catch((error: unknown) => console.error('[websocket] $disconnect failed:', redact(error)));
    });
  }

  return {
    /** For the HTTP server's `upgrade` event. */
    async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
      const connectionId = apiGatewayId();
      const connectedAt = clock.now();
      const url = requestUrl(request);
      if (!url) {
        socket.end(rawAnswer(400));
        return;
      }
      const problem = handshakeProblem(request);
      if (problem) {
        socket.end(rawAnswer(400, JSON.stringify({ status: 'fail', data: problem })));
        return;
      }
      // A throttled handshake is refused before `$connect` runs, with API Gateway's 429 (see local/stage-throttle.ts).
      if (throttle && !throttle.take()) {
        socket.end(rawAnswer(429, THROTTLED_BODY));
        return;
      }
      const caller: Caller = { sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: request.headers['user-agent'] };
      const query = [...url.searchParams];
      const multiValueQuery: Record<string, string[]> = {};
      for (const [name, value] of query) (multiValueQuery[name] ??= []).push(value);
      const event = {
        ...connectHeaders(request, caller.sourceIp),
        queryStringParameters: query.length ? Object.fromEntries(query) : undefined,
        multiValueQueryStringParameters: query.length ? multiValueQuery : undefined,
        requestContext: requestContext(connectionId, connectedAt, '$connect', 'CONNECT', caller),
        isBase64Encoded: false,
      };
      let status = 500;
      let protocol: string | undefined;
      try {
        const outcome = await invokeRoute('$connect', event);
        status = outcome ? (outcome.result?.statusCode ?? 200) : 200;
        const responseHeaders = Object.fromEntries(Object.entries(outcome?.result?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
        protocol = responseHeaders['sec-websocket-protocol'];
      } catch (error) {
        console.error('[websocket] $connect failed:', redact(error));
      }
      if (status < 200 || status > 299) {
        socket.end(rawAnswer(status));
        return;
      }
      if (protocol) chosenProtocol.set(request, protocol);
      server.handleUpgrade(request, socket, head, (ws) => track(connectionId, ws, connectedAt, caller));
    },

    /** `POST|GET|DELETE /@connections/{id}`, as the management API client sends them. */
    manage(request: IncomingMessage, response: ServerResponse, connectionId: string, body: Buffer): void {
      const connection = connections.get(connectionId);
      if (!connection || connection.socket.readyState !== connection.socket.OPEN) {
        // Without this header the SDK surfaces an error named "Unknown" instead of GoneException.
        response
          .writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' })
          .end(JSON.stringify({ message: `Connection ${connectionId} is gone` }));
        return;
      }
      switch (request.method) {
        case 'POST':
          if (body.length > limits.messageBytes) {
            response.writeHead(413, { 'x-amzn-errortype': 'PayloadTooLargeException' }).end();
            return;
          }
          connection.socket.send(body.toString('utf8'));
          // A message to the client is activity too: it keeps the connection from the idle timeout.
          connection.active();
          response.writeHead(200).end();
          return;
        case 'GET':
          response.writeHead(200, { 'content-type': 'application/json' }).end(
            // The wire names of the real API (the SDK maps them to ConnectedAt, Identity.SourceIp, …).
            JSON.stringify({
              connectedAt: new Date(connection.connectedAt).toISOString(),
              lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
              identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent ?? '' },
            }),
          );
          return;
        case 'DELETE':
          connection.socket.close(1000, 'Closed by the server');
          response.writeHead(204).end();
          return;
        default:
          response.writeHead(405, { allow: 'POST, GET, DELETE' }).end();
      }
    },

    openConnections: () => connections.size,

    close(): void {
      for (const { socket } of connections.values()) socket.terminate();
      server.close();
    },
  };
}
