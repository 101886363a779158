import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { connectSocket } from '#lib/sockets/socket-sessions';
import { socketDeps } from './common/runtime/sockets';
import { BEARER_SUBPROTOCOL, socketAccessToken } from './common/socket-token';
import { socketRoute } from './common/websocket-responses';

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
};

/** `$connect`: a non-2xx answer rejects the handshake, so a bad, expired or deleted user's token never gets a socket. */
export const handler = socketRoute(async (event: ConnectEvent) => {
  const { token, viaSubprotocol } = socketAccessToken(event.headers, event.queryStringParameters);
  await connectSocket(socketDeps, event.requestContext.connectionId, token);
  // A browser drops the connection unless the server accepts one of the subprotocols it offered.
  return { statusCode: 200, headers: viaSubprotocol ? { 'Sec-WebSocket-Protocol': BEARER_SUBPROTOCOL } : undefined };
});
