import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type JSendBody =
  | { status: 'success'; data: unknown }
  | { status: 'fail'; data: Record<string, string> }
  | { status: 'error'; message: string; data?: unknown };

const JSON_TYPE = 'application/json; charset=utf-8';

/** Account data and tokens must never sit in a shared cache. */
export const jsend = (statusCode: number, body: JSendBody, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

export const success = (data: unknown, statusCode = 200) => jsend(statusCode, { status: 'success', data });

/** RFC 6749 §5.1: token responses carry `Cache-Control: no-store` and `Pragma: no-cache`. */
export const oauthJson = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', pragma: 'no-cache' },
  body: JSON.stringify(body),
});

/** Public, cacheable documents (discovery metadata, JWKS). */
export const publicJson = (body: unknown, maxAgeSeconds: number): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 200,
  headers: { 'content-type': JSON_TYPE, 'cache-control': `public, max-age=${maxAgeSeconds}` },
  body: JSON.stringify(body),
});
