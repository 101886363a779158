import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { HaloError } from '#lib/errors';
import { jsendError, oauthError } from './error-responses';
import { logger } from './logger';
import { withSecurityHeaders } from './security-headers';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
type Handle = (event: HttpEvent, context: Context) => Promise<HttpResult>;
type ErrorResponse = (error: unknown, requestId: string) => HttpResult;

/** Turns any thrown error into the route's error shape; expected ones are logged as info, the rest as errors. */
const respondOnError = (toResponse: ErrorResponse): middy.MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    const { error } = request;
    if (error instanceof HaloError && error.code === 'unavailable') {
      // Not the client's fault: whoever operates Halo needs the reason (its cause), not only the code.
      logger().error('request left unfinished', { code: error.code, error: error.cause as Error, route: request.event.routeKey });
    } else if (error instanceof HaloError) {
      logger().info('request refused', { code: error.code, fields: Object.keys(error.fields), route: request.event.routeKey });
    } else {
      logger().error('request failed', { error: error as Error, route: request.event.routeKey });
    }
    request.response = toResponse(error, request.context.awsRequestId);
  },
});

/** The one security-header set (security-headers.ts) on every answer, errors included. */
const securityHeaders: middy.MiddlewareObj<HttpEvent, HttpResult> = {
  after: async (request) => {
    if (request.response) request.response = withSecurityHeaders(request.response);
  },
  onError: async (request) => {
    if (request.response) request.response = withSecurityHeaders(request.response);
  },
};

const build = (toResponse: ErrorResponse) => (handle: Handle) =>
  middy<HttpEvent, HttpResult>()
    // Registered first so that its onError runs last, after the error became a response.
    .use(securityHeaders)
    .use(respondOnError(toResponse))
    .handler(handle);

/** A JSend route: `success` / `fail` (4xx) / `error` (5xx). */
export const jsendRoute = build(jsendError);

/** An OAuth 2.0 route: RFC 6749 bodies and error codes instead of JSend. */
export const oauthRoute = build(oauthError);
