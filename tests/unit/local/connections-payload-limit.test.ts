import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import WebSocket from 'ws';
import { startGatewayServer, type GatewayServer } from '#local/gateway-server';
import { WEBSOCKET_LIMITS } from '#local/websocket-api';

/**
 * `@connections` PostToConnection holds API Gateway's message limit: 128 KB
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html),
 * and a bigger message is refused with PayloadTooLargeException, "The data has exceeded the maximum size allowed"
 * (https://docs.aws.amazon.com/botocore/latest/reference/services/apigatewaymanagementapi/client/exceptions/PayloadTooLargeException.html).
 * Through the real management client, against the local gateway with an invoker that accepts every handshake.
 */
let gateway: GatewayServer;
let management: ApiGatewayManagementApiClient;
const connected: string[] = [];
beforeAll(async () => {
  gateway = await startGatewayServer({
    port: 0,
    host: '127.0.0.1',
    invoke: async (_fn, event) => {
      const context = (event as { requestContext?: { eventType?: string; connectionId?: string } }).requestContext;
      if (context?.eventType === 'CONNECT' && context.connectionId) connected.push(context.connectionId);
      return { statusCode: 200 };
    },
  });
  management = new ApiGatewayManagementApiClient({ endpoint: gateway.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  management.destroy();
  await gateway.close();
});

describe('the local @connections API holds the 128 KB message limit', () => {
  it('delivers a message of exactly 128 KB, and refuses one byte more with PayloadTooLargeException (413), leaving the socket open', async () => {
    const socket = new WebSocket(gateway.websocketUrl);
    const received: Buffer[] = [];
    socket.on('message', (data: Buffer) => received.push(data));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const connectionId = connected.at(-1) ?? '';

    await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.alloc(WEBSOCKET_LIMITS.messageBytes, 'a') }));
    await expect(
      management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.alloc(WEBSOCKET_LIMITS.messageBytes + 1, 'b') })),
    ).rejects.toMatchObject({ name: 'PayloadTooLargeException', $metadata: { httpStatusCode: 413 } });

    await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('after') }));
    await new Promise<void>((resolve) => {
      const check = () => (received.length >= 2 ? resolve() : setTimeout(check, 10));
      check();
    });
    expect(received.map((data) => data.length)).toEqual([WEBSOCKET_LIMITS.messageBytes, 'after'.length]);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });
});
