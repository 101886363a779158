import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { pingSocket } from '#lib/sockets/socket-sessions';
import { pingDeps } from './common/runtime/socket-messages';
import { socketRoute, type SocketResult } from './common/websocket-responses';

const reply = (message: unknown): SocketResult => ({ statusCode: 200, body: JSON.stringify(message) });

/**
 * Messages from clients: `{"action":"ping"}` (the `ping` route) is answered `{"type":"pong"}`;
 * anything else (the `$default` route) gets an error message naming what is accepted.
 * Both routes return their body to the caller (API Gateway route responses).
 */
export const handler = socketRoute(async (event: APIGatewayProxyWebsocketEventV2) => {
  if (event.requestContext.routeKey === 'ping') {
    const pong = await pingSocket(pingDeps, event.requestContext.connectionId);
    return pong ? reply(pong) : { statusCode: 410 };
  }
  return reply({ type: 'error', data: { message: 'unknown message: the only action is {"action":"ping"}' } });
});
