import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * The security headers of every Halo answer: the JSend and OAuth routes (through http-route.ts), the
 * documentation pages (functions/docs.ts) and the local gateway's own errors (local/http-api.ts). One set,
 * so that no kind of answer is weaker than another. The API renders nothing and is framed by nobody, hence
 * a Content-Security-Policy that forbids everything; OWASP's REST Security Cheat Sheet asks for these.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Half a year of HTTPS only (what @middy/http-security-headers and helmet default to).
  'strict-transport-security': 'max-age=15552000; includeSubDomains; preload',
  // A browser must not guess that a JSON body echoing a client's input is HTML or a script.
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  // frame-ancestors for browsers that predate it.
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-permitted-cross-domain-policies': 'none',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
};

/**
 * The result with every security header added. A header the route set itself wins (the documentation's
 * pages need a Content-Security-Policy that lets them run); names are compared case-insensitively.
 */
type Headers = NonNullable<APIGatewayProxyStructuredResultV2['headers']>;

export function withSecurityHeaders<T extends APIGatewayProxyStructuredResultV2>(result: T): T & { headers: Headers } {
  const own = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  return { ...result, headers: { ...SECURITY_HEADERS, ...own } };
}
