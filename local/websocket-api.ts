import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FunctionSpec } from '../infra/catalog';
import { redact } from '../lib/logging/redact';
import type { Invoker } from './function-invoker';
import { rawAnswer, requestUrl } from './http-api';

/** Real API Gateway WebSocket limits, mirrored so nothing works here that would fail on AWS. */
export const WEBSOCKET_LIMITS = { idleMs: 10 * 60_000, maxConnectionMs: 2 * 60 * 60_000, messageBytes: 128 * 1024 } as const;

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

interface Connection {
  readonly socket: WebSocket;
  readonly connectedAt: number;
  lastActiveAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
}

interface Options {
  readonly routes: ReadonlyMap<string, WebSocketRoute>;
  readonly invoke: Invoker;
  readonly publicHost: string;
  readonly limits?: Partial<typeof WEBSOCKET_LIMITS>;
}

/**
 * A local API Gateway WebSocket API: `$connect` decides the handshake (a non-2xx answer rejects it with
 * that status), messages are routed by `$request.body.action` (else `$default`), `$disconnect` follows
 * every close, and the `@connections` management endpoint lets functions send to and close sockets.
 */
export function websocketApi({ routes, invoke, publicHost, limits: overrides }: Options) {
  const limits = { ...WEBSOCKET_LIMITS, ...overrides };
  const connections = new Map<string, Connection>();
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: limits.messageBytes,
    handleProtocols: (_offered, request) => chosenProtocol.get(request) ?? false,
  });

  const baseContext = (connectionId: string, routeKey: string, eventType: string, extra: Record<string, unknown> = {}) => ({
    routeKey,
    eventType,
    messageDirection: 'IN',
    stage: 'local',
    connectionId,
    domainName: publicHost,
    apiId: 'local-ws',
    requestId: randomUUID(),
    extendedRequestId: randomUUID(),
    requestTimeEpoch: Date.now(),
    requestTime: new Date().toUTCString(),
    connectedAt: connections.get(connectionId)?.connectedAt ?? Date.now(),
    ...extra,
  });

  async function invokeRoute(routeKey: string, event: Record<string, unknown>) {
    const route = routes.get(routeKey);
    if (!route) return undefined;
    return { route, result: (await invoke(route.fn, event)) as { statusCode?: number; body?: string; headers?: Record<string, string> } | undefined };
  }

  async function onMessage(connectionId: string, data: Buffer, isBinary: boolean) {
    const connection = connections.get(connectionId);
    if (!connection) return;
    connection.lastActiveAt = Date.now();
    const body = data.toString(isBinary ? 'base64' : 'utf8');
    let action: unknown;
    try {
      action = (JSON.parse(body) as { action?: unknown }).action;
    } catch {
      action = undefined;
    }
    // Only custom routes are chosen by `action`: `{"action":"$disconnect"}` is an unknown message, not a disconnect.
    const routeKey = typeof action === 'string' && !action.startsWith('$') && routes.has(action) ? action : '$default';
    const event = {
      requestContext: baseContext(connectionId, routeKey, 'MESSAGE', { messageId: randomUUID(), identity: { sourceIp: connection.sourceIp } }),
      body,
      isBase64Encoded: isBinary,
    };
    try {
      const outcome = await invokeRoute(routeKey, event);
      if (!outcome) {
        connection.socket.send(JSON.stringify({ message: 'Forbidden', connectionId, requestId: event.requestContext.requestId }));
      } else if (outcome.route.returnResponse && outcome.result?.body !== undefined) {
        connection.socket.send(outcome.result.body);
      }
    } catch (error) {
      console.error(`[websocket] ${routeKey} failed:`, redact(error));
      connection.socket.send(JSON.stringify({ message: 'Internal server error', connectionId, requestId: event.requestContext.requestId }));
    }
  }

  function track(connectionId: string, socket: WebSocket, request: IncomingMessage) {
    const connection: Connection = {
      socket,
      connectedAt: Date.now(),
      lastActiveAt: Date.now(),
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      userAgent: request.headers['user-agent'] ?? '',
    };
    connections.set(connectionId, connection);
    const idleCheck = setInterval(() => {
      if (Date.now() - connection.lastActiveAt > limits.idleMs) socket.close(1001, 'Going away');
    }, Math.min(limits.idleMs, 30_000));
    const lifetime = setTimeout(() => socket.close(1001, 'Going away'), limits.maxConnectionMs);
    socket.on('message', (data: Buffer, isBinary: boolean) => void onMessage(connectionId, data, isBinary));
    // A frame over the limit or a broken one: ws closes the socket (1009, 1002, ...) after this event, which
    // without a listener would be thrown and end the whole process, every other socket and request with it.
    socket.on('error', (error: Error) => console.error(`[websocket] ${connectionId} sent what cannot be read: ${error.message}`));
    socket.on('close', (code: number, reason: Buffer) => {
      clearInterval(idleCheck);
      clearTimeout(lifetime);
      connections.delete(connectionId);
      const event = {
        requestContext: baseContext(connectionId, '$disconnect', 'DISCONNECT', {
          disconnectStatusCode: code,
          disconnectReason: reason.toString(),
          identity: { sourceIp: connection.sourceIp },
        }),
        headers: { host: publicHost },
        isBase64Encoded: false,
      };
      invokeRoute('$disconnect', event).catch((error: unknown) => console.error('[websocket] $disconnect failed:', redact(error)));
    });
  }

  return {
    /** For the HTTP server's `upgrade` event. */
    async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
      // API Gateway connection ids: 12 random bytes, base64 (e.g. "L0SM9cOFvHcCIhw=").
      const connectionId = randomBytes(12).toString('base64');
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
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headersDistinct)) if (value) headers[name] = value.join(',');
      const query = Object.fromEntries(url.searchParams);
      const event = {
        headers,
        multiValueHeaders: request.headersDistinct,
        queryStringParameters: Object.keys(query).length ? query : undefined,
        requestContext: baseContext(connectionId, '$connect', 'CONNECT', {
          identity: { sourceIp: request.socket.remoteAddress, userAgent: headers['user-agent'] },
        }),
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
      server.handleUpgrade(request, socket, head, (ws) => track(connectionId, ws, request));
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
          response.writeHead(200).end();
          return;
        case 'GET':
          response.writeHead(200, { 'content-type': 'application/json' }).end(
            // The wire names of the real API (the SDK maps them to ConnectedAt, Identity.SourceIp, …).
            JSON.stringify({
              connectedAt: new Date(connection.connectedAt).toISOString(),
              lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
              identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
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
