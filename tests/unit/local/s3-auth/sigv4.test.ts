import { S3Error } from '#local/s3-auth/s3-error';
import { parseQuery, verifySigV4, type SignedRequest } from '#local/s3-auth/sigv4';

/**
 * The worked examples of AWS's SigV4 documentation for S3, with its example key pair:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html (GET Object) and
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html (presigned URL).
 */
const settings = { credentials: { AKIAIOSFODNN7EXAMPLE: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }, region: 'us-east-1' };
const SIGNED_AT = new Date('2013-05-24T00:00:00Z');

const headerSigned = (overrides: Partial<SignedRequest['headers']> = {}): SignedRequest => ({
  method: 'GET',
  path: '/test.txt',
  query: {},
  headers: {
    host: 'examplebucket.s3.amazonaws.com',
    range: 'bytes=0-9',
    'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-amz-date': '20130524T000000Z',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    ...overrides,
  },
});

const PRESIGNED_QUERY =
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
const presigned = (query = PRESIGNED_QUERY): SignedRequest => ({ method: 'GET', path: '/test.txt', query: parseQuery(query), headers: { host: 'examplebucket.s3.amazonaws.com' } });

async function outcome(request: SignedRequest, now = SIGNED_AT): Promise<string> {
  try {
    await verifySigV4(settings, request, now);
    return 'ok';
  } catch (error) {
    if (!(error instanceof S3Error)) throw error;
    return `${error.status} ${error.code}`;
  }
}

describe('SigV4 as S3 checks it', () => {
  it("accepts AWS's header-signed example, and refuses it with any signed part changed", async () => {
    expect(await outcome(headerSigned())).toBe('ok');
    expect(await outcome(headerSigned({ range: 'bytes=0-10' }))).toBe('403 SignatureDoesNotMatch');
    expect(await outcome({ ...headerSigned(), path: '/other.txt' })).toBe('403 SignatureDoesNotMatch');
    expect(await outcome({ ...headerSigned(), method: 'DELETE' })).toBe('403 SignatureDoesNotMatch');
    expect(await outcome({ ...headerSigned(), query: { acl: '' } })).toBe('403 SignatureDoesNotMatch');
    // A header nobody signed may change (S3 signs only what SignedHeaders lists).
    expect(await outcome(headerSigned({ 'user-agent': 'anything' }))).toBe('ok');
  });

  it('refuses an unknown key, a wrong region, a missing payload hash and a request too far from now', async () => {
    const authorization = String(headerSigned().headers.authorization);
    expect(await outcome(headerSigned({ authorization: authorization.replace('AKIAIOSFODNN7EXAMPLE', 'AKIAOTHER') }))).toBe('403 InvalidAccessKeyId');
    expect(await outcome(headerSigned({ authorization: authorization.replace('us-east-1', 'eu-west-1') }))).toBe('400 AuthorizationHeaderMalformed');
    expect(await outcome(headerSigned({ 'x-amz-content-sha256': undefined }))).toBe('400 InvalidRequest');
    expect(await outcome(headerSigned(), new Date(SIGNED_AT.getTime() + 15 * 60_000))).toBe('ok');
    expect(await outcome(headerSigned(), new Date(SIGNED_AT.getTime() + 15 * 60_000 + 1000))).toBe('403 RequestTimeTooSkewed');
  });

  it("accepts AWS's presigned example until it expires, and refuses it changed or expired", async () => {
    expect(await outcome(presigned())).toBe('ok');
    expect(await outcome(presigned(), new Date(SIGNED_AT.getTime() + 86_400_000))).toBe('ok');
    expect(await outcome(presigned(), new Date(SIGNED_AT.getTime() + 86_401_000))).toBe('403 AccessDenied');
    expect(await outcome(presigned(PRESIGNED_QUERY.replace('X-Amz-Expires=86400', 'X-Amz-Expires=86401')))).toBe('403 SignatureDoesNotMatch');
    expect(await outcome(presigned(PRESIGNED_QUERY.replace(/X-Amz-Signature=./, 'X-Amz-Signature=0')))).toBe('403 SignatureDoesNotMatch');
    expect(await outcome(presigned(PRESIGNED_QUERY + '&versionId=1'))).toBe('403 SignatureDoesNotMatch');
    expect(await outcome(presigned(PRESIGNED_QUERY.replace('X-Amz-Expires=86400&', '')))).toBe('400 AuthorizationQueryParametersError');
  });

  it('refuses an anonymous request (a private bucket)', async () => {
    expect(await outcome({ method: 'GET', path: '/test.txt', query: {}, headers: { host: 'examplebucket.s3.amazonaws.com' } })).toBe('403 AccessDenied');
  });
});
