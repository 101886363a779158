import {
  DeleteConnectionCommand,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClient,
} from '@aws-sdk/client-apigatewaymanagementapi';

/** What the domain needs of the `@connections` API; tests hand in their own. */
export interface SocketSender {
  /** `gone` when API Gateway no longer knows the connection (it closed without us hearing of it). */
  send(connectionId: string, message: unknown): Promise<'sent' | 'gone'>;
  /** Closes the connection from the server side; an already gone connection is not an error. */
  close(connectionId: string): Promise<void>;
}

/** One slow socket must not hold up the others, nor a Lambda: each call gets its own deadline. */
const CALL_TIMEOUT_MS = 3_000;

// SDK v3 names the error; `statusCode` does not exist on it (several public samples get this wrong).
const isGone = (error: unknown) =>
  (error as Error).name === 'GoneException' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410;

export function managementApiSender(client: ApiGatewayManagementApiClient): SocketSender {
  return {
    async send(connectionId, message) {
      try {
        await client.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(message)) }),
          { abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) },
        );
        return 'sent';
      } catch (error) {
        if (isGone(error)) return 'gone';
        throw error;
      }
    },
    async close(connectionId) {
      try {
        await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }), { abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    },
  };
}
