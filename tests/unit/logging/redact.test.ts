import { inspect } from 'node:util';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { generateKeyPair, SignJWT } from 'jose';
import { isSecretField, redact, redactingReplacer, redactText, REDACTED } from '#lib/logging/redact';
import { newRefreshToken } from '#lib/tokens/refresh-token-secret';

const PASSWORD = 'correct horse battery staple';
let jwt: string;
let presignedUrl: string;
let signature: string;
const refreshToken = newRefreshToken();

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('ES256');
  jwt = await new SignJWT({ sub: 'user-1' }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).setIssuedAt().sign(privateKey);
  const s3 = new S3Client({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'not-a-real-secret', sessionToken: 'a-session-token-value' },
  });
  presignedUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'avatars', Key: 'avatars/u/v' }), { expiresIn: 300 });
  signature = new URL(presignedUrl).searchParams.get('X-Amz-Signature') ?? '';
});

const secrets = () => [PASSWORD, jwt, refreshToken, signature, 'a-session-token-value'];
const leaks = (text: string) => secrets().filter((secret) => text.includes(secret));

describe('redactText', () => {
  it('scrubs every shape of secret from free text, and keeps the rest readable', () => {
    const text = [
      `token ${jwt} was refused`,
      `refresh ${refreshToken} rotated out`,
      `GET ${presignedUrl}`,
      `authorization: Bearer ${jwt}`,
      `grant_type=password&username=ann&password=${encodeURIComponent(PASSWORD)}&client_id=app`,
      `Unexpected token in JSON: {"identifier":"ann","password":"${PASSWORD}"}`,
      `{ password: '${PASSWORD}', refreshToken: '${refreshToken}' }`,
      `wss://halo.test/socket?access_token=${jwt}`,
    ].join('\n');
    const scrubbed = redactText(text);
    expect(leaks(scrubbed)).toEqual([]);
    expect(scrubbed).toContain('was refused');
    expect(scrubbed).toContain('username=ann');
    expect(scrubbed).toContain('"identifier":"ann"');
    expect(scrubbed).toContain('X-Amz-Expires=300');
    expect(scrubbed).toContain('[redacted:jwt]');
    expect(scrubbed).toContain('[redacted:opaque-token]');
  });

  it('scrubs PEM private keys, SigV4 Authorization headers and percent-encoded signatures', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';
    const sigv4 = `AWS4-HMAC-SHA256 Credential=AKIA/20250301/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=${signature}`;
    const nested = `https://halo.test/redirect?to=${encodeURIComponent(presignedUrl)}`;
    const described = `presigned with signature: ${signature}`;
    const scrubbed = redactText([pem, sigv4, nested, described].join('\n'));
    expect(scrubbed).not.toContain('MIGHAgEA');
    expect(leaks(scrubbed)).toEqual([]);
  });

  it('leaves ordinary log text alone', () => {
    const ordinary = 'request refused invalid_credentials on POST /api/login (request 6f1c2a3b-5b6e-4f80-9a1b-2c3d4e5f6a7b)';
    expect(redactText(ordinary)).toBe(ordinary);
  });
});

describe('isSecretField', () => {
  it.each(['password', 'newPassword', 'refresh_token', 'accessToken', 'Authorization', 'X-Amz-Signature', 'x-amz-security-token', 'body', 'cookie', 'sec-websocket-protocol', 'SecretString', 'input'])(
    'treats %s as secret',
    (name) => expect(isSecretField(name)).toBe(true),
  );

  it.each(['identifier', 'route', 'code', 'fields', 'key', 'token_type', 'expires_in', 'userId'])('does not treat %s as secret', (name) =>
    expect(isSecretField(name)).toBe(false),
  );
});

describe('redact (console output)', () => {
  it('drops secret fields and request bodies, scrubs nested strings, and keeps an Error printable with its stack', () => {
    const cause = new Error(`refresh token ${refreshToken} was reused`);
    const error = Object.assign(new TypeError(`could not verify ${jwt}`, { cause }), {
      request: { headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) },
      presigned: new URL(presignedUrl),
    });
    const copy = redact(error);
    expect(copy).toBeInstanceOf(TypeError);
    const printed = inspect(copy, { depth: 10 });
    expect(leaks(printed)).toEqual([]);
    expect(printed).toContain('TypeError: could not verify [redacted:jwt]');
    expect(printed).toContain('at '); // the stack survives
    expect(printed).toContain("'content-type': 'application/json'");
    expect(error.message).toContain(jwt); // the original is untouched
  });

  it('copes with cycles, binary data and JWKs with private members', () => {
    const looped: Record<string, unknown> = { name: 'loop' };
    looped.self = looped;
    const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'the-private-scalar' };
    expect(redact({ looped, bytes: Buffer.from(PASSWORD), jwk })).toEqual({
      looped: { name: 'loop', self: '[circular]' },
      bytes: `[${PASSWORD.length} bytes]`,
      jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: REDACTED },
    });
  });
});

describe('redactingReplacer (Powertools serialisation)', () => {
  it('leaves no secret in JSON output, however deep', () => {
    const entry = {
      message: `refused ${jwt}`,
      event: {
        headers: { Authorization: `Bearer ${jwt}`, 'sec-websocket-protocol': `halo.bearer, ${jwt}` },
        queryStringParameters: { access_token: jwt },
        rawQueryString: `access_token=${jwt}`,
        body: `{"password":"${PASSWORD}"}`,
      },
      fields: { upload: { 'X-Amz-Signature': signature, Policy: 'eyJleHBpcmF0aW9uIjoi' } },
      tokens: [{ refreshToken }],
      bytes: Buffer.from(PASSWORD),
      [jwt]: 'a secret used as a key',
    };
    const json = JSON.stringify(entry, redactingReplacer);
    expect(leaks(json)).toEqual([]);
    expect(JSON.parse(json).event.headers.Authorization).toBe(REDACTED);
    expect(JSON.parse(json).bytes).toBe(`[${PASSWORD.length} bytes]`);
  });
});
