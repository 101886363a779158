import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_WEBSOCKET_PATH, WEBSOCKET_ROUTES } from '#infra/catalog';
import type { RouteKey } from '#infra/catalog';
import { routeThrottles, routeThrottlesOnInEnvironment } from '#infra/route-throttles';
import { matchRoute } from '#infra/route-matching';
import { stageThrottleFromEnvironment, type StageThrottle } from '#infra/stage-throttle';
import { redact } from '#lib/logging/redact';
import { apiGatewayId } from './aws-formats';
import type { Invoker } from './function-invoker';
import { answerMalformedRequest, GATEWAY_HEADERS, httpApi, rawAnswer, requestUrl } from './http-api';
import { answerThrottled, httpThrottle, stageThrottles } from './stage-throttle';
import { managementTarget, websocketApi, type WebSocketRoute } from './websocket-api';

export interface GatewayOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  readonly invoke: Invoker;
  /** The URL clients use (the issuer); defaults to http://localhost:<port>. */
  readonly publicUrl?: string;
  /** Runs once the port is known and before the first request is served (the embedded stack sets its environment here). */
  readonly beforeServing?: (url: string) => Promise<void> | void;
  /**
   * Both stages' throttle; by default the stack's own (infra/stage-throttle.ts: HALO_THROTTLE_RATE and
   * HALO_THROTTLE_BURST, else the default the CDK stack deploys).
   */
  readonly throttle?: StageThrottle;
  /** Whether the expensive routes have their own throttles; by default HALO_ROUTE_THROTTLES (on unless `off`), as for the stack. */
  readonly routeThrottlesOn?: boolean;
  /**
   * Local control requests (the embedded stack's `/_local/…` paths, e.g. running a schedule: local/schedules.ts),
   * answered before any API sees the request: true when it was one.
   */
  readonly control?: (req: IncomingMessage, res: ServerResponse, path: string | undefined) => boolean;
}

export interface GatewayServer {
  readonly url: string;
  readonly websocketUrl: string;
  readonly throttle: StageThrottle;
  /** The HTTP API's per-route throttles (infra/route-throttles.ts), as the stack deploys them with this stage throttle. */
  readonly routeThrottles: ReadonlyMap<RouteKey, StageThrottle>;
  close(): Promise<void>;
}

/**
 * The local API Gateway on one port: the HTTP API, the WebSocket API at /ws and its `@connections`
 * management endpoint, all driven by the catalog. What it invokes is up to the caller: the handlers
 * in this process (the embedded default) or deployed Lambdas through the Lambda API (Docker/LocalStack).
 */
export async function startGatewayServer(options: GatewayOptions): Promise<GatewayServer> {
  // Read first: a malformed HALO_THROTTLE_* stops the start before anything listens.
  const throttle = options.throttle ?? stageThrottleFromEnvironment();
  // One bucket per API, as each API's stage has its own throttle; `@connections` calls are not a stage's requests.
  const throttles = stageThrottles(throttle);
  // The expensive routes have buckets of their own, as the stack's stage has route settings for them.
  const perRoute = (options.routeThrottlesOn ?? routeThrottlesOnInEnvironment()) ? routeThrottles(throttle) : new Map<RouteKey, StageThrottle>();
  const httpThrottles = httpThrottle(throttles.http, perRoute);
  const server = createServer();
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  const url = (options.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const publicHost = new URL(url).host;
  await options.beforeServing?.(url);

  const routes = new Map<string, WebSocketRoute>(
    WEBSOCKET_ROUTES.map(({ route, fn, returnResponse }) => [route, { fn, returnResponse: Boolean(returnResponse) }]),
  );
  const sockets = websocketApi({ routes, invoke: options.invoke, publicHost, throttle: throttles.webSocket });
  const http = httpApi(options.invoke, publicHost);

  // Bytes that are not HTTP get the gateway's JSend 400 instead of Node's bare one.
  server.on('clientError', answerMalformedRequest);
  server.on('request', (req: IncomingMessage, res) => {
    // An unparsable target (`GET http://[ HTTP/1.1`) is the HTTP API's to refuse; throwing here would end the process.
    const path = requestUrl(req)?.pathname;
    if (options.control?.(req, res, path)) return;
    const connectionId = managementTarget(req, path);
    if (!connectionId && !httpThrottles.take(path === undefined ? undefined : matchRoute(req.method ?? '', path)?.routeKey)) {
      refuseThrottled(req, res);
      return;
    }
    const handled = connectionId ? readAll(req).then((body) => sockets.manage(req, res, connectionId, body)) : http(req, res);
    handled.catch((error: unknown) => {
      console.error('[gateway] request failed', redact(error));
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    if (requestUrl(req)?.pathname !== LOCAL_WEBSOCKET_PATH) {
      socket.end(rawAnswer(404));
      return;
    }
    sockets.upgrade(req, socket, head).catch((error: unknown) => {
      console.error('[gateway] upgrade failed', redact(error));
      socket.destroy();
    });
  });

  return {
    url,
    throttle,
    routeThrottles: perRoute,
    websocketUrl: `${url.replace(/^http/, 'ws')}${LOCAL_WEBSOCKET_PATH}`,
    async close() {
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => server.once('error', fail).listen(port, host, () => done()));
}

/**
 * API Gateway's 429 for a request the stage throttle refuses (local/stage-throttle.ts), once the request's body
 * is read: answering while the client still sends would reset the connection before it reads the answer.
 */
function refuseThrottled(req: IncomingMessage, res: ServerResponse): void {
  req.once('end', () => answerThrottled(res, apiGatewayId('base64url'), GATEWAY_HEADERS));
  req.once('error', () => res.destroy());
  req.resume();
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
