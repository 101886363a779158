import {
  DeleteConnectionCommand,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClient,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { inFlightLimit } from './in-flight-limit';

export interface SocketCallOptions {
  /** The caller's own deadline: once it aborts, no call starts any more and those in flight are abandoned. */
  readonly signal?: AbortSignal;
}

/** What the domain needs of the `@connections` API; tests hand in their own. */
export interface SocketSender {
  /** `gone` when API Gateway no longer knows the connection (it closed without us hearing of it). */
  send(connectionId: string, message: unknown, options?: SocketCallOptions): Promise<'sent' | 'gone'>;
  /** Closes the connection from the server side; an already gone connection is not an error. */
  close(connectionId: string, options?: SocketCallOptions): Promise<void>;
}

/** One slow socket must not hold up the others, nor a Lambda: each call gets its own deadline. */
export const CALL_TIMEOUT_MS = 3_000;

/**
 * How many calls one sender has in flight; the rest wait for a slot, and their deadline starts only when they
 * go out. (A deadline that started while queued behind a connection pool aborted the late calls of a user with
 * 1,000 sockets under load: a deletion failed to close half of them.) Keep the HTTP agent's pool at least as big.
 */
export const MAX_IN_FLIGHT = 200;

const deadline = (signal: AbortSignal | undefined) =>
  signal ? AbortSignal.any([signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]) : AbortSignal.timeout(CALL_TIMEOUT_MS);

// SDK v3 names the error; `statusCode` does not exist on it (several public samples get this wrong).
const isGone = (error: unknown) =>
  (error as Error).name === 'GoneException' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410;

export function managementApiSender(client: ApiGatewayManagementApiClient, maxInFlight = MAX_IN_FLIGHT): SocketSender {
  const run = inFlightLimit(maxInFlight);
  return {
    async send(connectionId, message, { signal } = {}) {
      const command = new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(message)) });
      try {
        await run(() => client.send(command, { abortSignal: deadline(signal) }), signal);
        return 'sent';
      } catch (error) {
        if (isGone(error)) return 'gone';
        throw error;
      }
    },
    async close(connectionId, { signal } = {}) {
      const command = new DeleteConnectionCommand({ ConnectionId: connectionId });
      try {
        await run(() => client.send(command, { abortSignal: deadline(signal) }), signal);
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    },
  };
}
