import { HaloError } from '#lib/errors';
import { ERROR_ANSWERS, SOCKET_DEFAULT } from './error-answers';
import { logger } from './logger';

/** What a WebSocket route function returns to API Gateway (for $connect, the handshake's status). */
export interface SocketResult {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * The WebSocket error-out: an expected refusal becomes its status (error-answers.ts); anything else is
 * logged and answered 500 without details.
 */
export function socketError(error: unknown, route: string): SocketResult {
  if (error instanceof HaloError) {
    logger().info('socket request refused', { code: error.code, route });
    const statusCode = ERROR_ANSWERS[error.code].socket ?? SOCKET_DEFAULT;
    if (error.code === 'too_many_requests') {
      // API Gateway answers the handshake with the status; the header is a courtesy where it is passed on.
      return { statusCode, headers: { 'Retry-After': String(error.retryAfterSeconds ?? 1) } };
    }
    return { statusCode };
  }
  logger().error('socket request failed', { error: error as Error, route });
  return { statusCode: 500 };
}

interface SocketEvent {
  readonly requestContext: { readonly routeKey?: string };
}

/** A WebSocket route function: whatever it throws is answered by socketError, so entry files catch nothing. */
export const socketRoute =
  <E extends SocketEvent>(handle: (event: E) => Promise<SocketResult>) =>
  async (event: E): Promise<SocketResult> => {
    try {
      return await handle(event);
    } catch (error) {
      return socketError(error, event.requestContext.routeKey ?? 'unknown');
    }
  };
