import { HaloError } from '#lib/errors';
import { logger } from './logger';

/** What a WebSocket route function returns to API Gateway (for $connect, the handshake's status). */
export interface SocketResult {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** Expected refusals become their status; anything else is logged and answered 500 without details. */
export function socketError(error: unknown, route: string): SocketResult {
  if (error instanceof HaloError) {
    logger().info('socket request refused', { code: error.code, route });
    if (error.code === 'too_many_requests') {
      // API Gateway answers the handshake with the status; the header is a courtesy where it is passed on.
      return { statusCode: 429, headers: { 'Retry-After': String(error.retryAfterSeconds ?? 1) } };
    }
    return { statusCode: error.code === 'missing_token' || error.code === 'invalid_token' ? 401 : 400 };
  }
  logger().error('socket request failed', { error: error as Error, route });
  return { statusCode: 500 };
}
