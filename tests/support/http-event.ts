import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** A complete API Gateway HTTP API (payload 2.0) event; headers are lower-case, as API Gateway sends them. */
export function httpEvent(
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean } = {},
): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/api/test';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: options.headers ?? {},
    body: options.body,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'halo.test',
      domainPrefix: 'halo',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'jest' },
      requestId: 'request-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '01/Mar/2025:12:00:00 +0000',
      timeEpoch: Date.UTC(2025, 2, 1, 12),
    },
  };
}
