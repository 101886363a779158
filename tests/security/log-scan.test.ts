import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { newRefreshToken } from '#lib/tokens/refresh-token-secret';
import { findKnownSecrets, findSecretShapes } from '../support/secret-scan';

/** The scanner the log checks rely on must find what it is there to find, or those checks mean nothing. */
let jwt: string;
const refreshToken = newRefreshToken();
const signature = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'b'.repeat(8);
const password = `lantern ${randomUUID()} orchard`;

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('ES256');
  jwt = await new SignJWT({ sub: 'user-1' }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).setIssuedAt().sign(privateKey);
});

const entry = (fields: Record<string, unknown>) => JSON.stringify({ level: 'INFO', message: 'request refused', service: 'halo', ...fields });

describe('findSecretShapes', () => {
  it('finds a JWT, a refresh token and an X-Amz-Signature wherever they sit in a log', () => {
    const log = [
      entry({ route: 'GET /api/user', note: `Bearer ${jwt}` }),
      entry({ fields: [refreshToken] }),
      `[http-api] avatar failed: redirect to http://127.0.0.1:9000/halo/avatars/x?X-Amz-Expires=300&X-Amz-Signature=${signature}`,
      entry({ upload: { 'X-Amz-Signature': signature } }),
    ].join('\n');
    expect(findSecretShapes(log).map((finding) => finding.kind)).toEqual(['JWT', 'refresh token', 'X-Amz-Signature', 'X-Amz-Signature']);
  });

  it('never prints a found secret whole', () => {
    const [finding] = findSecretShapes(entry({ token: jwt }));
    expect(finding?.excerpt).toMatch(/^line 1: /);
    expect(finding?.excerpt).not.toContain(jwt);
  });

  it('finds nothing in what the stack normally prints', () => {
    const log = [
      'Halo is running (embedded default)',
      '  HTTP API        http://localhost:37231/api',
      entry({ code: 'invalid_credentials', fields: ['credentials'], route: 'POST /api/login' }),
      entry({ key: 'avatars/b1f3652d-d338-4c0a-b457-7ecdc3d00950/0mx4c6d3d-4f9e95c15b96.webp', outcome: 'stored', fields: ['[redacted:jwt]'] }),
      'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_OFF', // 43 word characters, but no digit: a name
    ].join('\n');
    expect(findSecretShapes(log)).toEqual([]);
  });
});

describe('findKnownSecrets', () => {
  const secrets = () => [
    { label: 'password', value: password },
    { label: 'refresh token', value: refreshToken },
  ];

  it.each([
    ['as is', (s: string) => s],
    ['URL-encoded', (s: string) => `grant_type=password&password=${encodeURIComponent(s)}`],
    ['form-encoded', (s: string) => new URLSearchParams({ username: 'ann', password: s }).toString()],
    ['JSON-escaped', (s: string) => JSON.stringify({ body: JSON.stringify({ password: s }) })],
    ['base64 at offset 0', (s: string) => Buffer.from(s).toString('base64')],
    ['base64 at offset 1', (s: string) => Buffer.from(`x${s}`).toString('base64')],
    ['base64 at offset 2', (s: string) => Buffer.from(`{"password":"${s}"}`).toString('base64')],
    ['base64url inside a longer body', (s: string) => Buffer.from(`identifier=ann&password=${s}&client_id=app`).toString('base64url')],
  ])('finds a password written %s', (_encoding, write) => {
    const findings = findKnownSecrets(`{"level":"ERROR","body":"${write(password)}"}`, secrets());
    expect(findings.map((finding) => finding.kind)).toEqual([expect.stringMatching(/^password \(/)]);
  });

  it('finds nothing when none of them was written', () => {
    expect(findKnownSecrets(entry({ fields: ['password'], route: 'POST /api/login' }), secrets())).toEqual([]);
  });
});
