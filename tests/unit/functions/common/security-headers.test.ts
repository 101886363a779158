import { SECURITY_HEADERS, withSecurityHeaders } from '#functions/common/security-headers';

describe('the shared security headers', () => {
  it('forbid sniffing, framing, referrers and plain HTTP, and let a JSON answer load nothing', () => {
    expect(SECURITY_HEADERS).toEqual({
      'strict-transport-security': 'max-age=15552000; includeSubDomains; preload',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'x-permitted-cross-domain-policies': 'none',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
    });
  });

  it('are all lower-case, as API Gateway passes header names', () => {
    for (const name of Object.keys(SECURITY_HEADERS)) expect(name).toBe(name.toLowerCase());
  });

  it('are added to an answer, keeping its own headers and body', () => {
    const result = withSecurityHeaders({ statusCode: 404, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: '{}' });
    expect(result).toEqual({ statusCode: 404, headers: { ...SECURITY_HEADERS, 'content-type': 'application/json', 'cache-control': 'no-store' }, body: '{}' });
  });

  it('are added to an answer without headers', () => {
    expect(withSecurityHeaders({ statusCode: 204 }).headers).toEqual(SECURITY_HEADERS);
  });

  it("yield to a header the route set itself, whatever its case (the docs pages' own policy)", () => {
    const policy = "default-src 'self'; frame-ancestors 'none'";
    const { headers } = withSecurityHeaders({ statusCode: 200, headers: { 'Content-Security-Policy': policy } });
    expect(headers['content-security-policy']).toBe(policy);
    expect(Object.keys(headers).filter((name) => name.toLowerCase() === 'content-security-policy')).toHaveLength(1);
  });

  it('leave the answer given untouched', () => {
    const original = { statusCode: 200, headers: { 'content-type': 'text/plain' } };
    withSecurityHeaders(original);
    expect(original).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain' } });
  });
});
