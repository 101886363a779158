import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { disconnectSocket } from '#lib/sockets/socket-sessions';
import { disconnectDeps } from './common/runtime/connections';
import { socketRoute } from './common/websocket-responses';

/** `$disconnect`: best effort by API Gateway's own account; the TTL and GoneException clean up what it misses. */
export const handler = socketRoute(async (event: APIGatewayProxyWebsocketEventV2) => {
  await disconnectSocket(disconnectDeps, event.requestContext.connectionId);
  return { statusCode: 200 };
});
