import { HaloError, tooManyRequests, type ErrorCode } from '#lib/errors';
import { bearerToken } from '#functions/common/bearer-token';
import { REALM, jsendError, oauthError } from '#functions/common/error-responses';
import { formBody } from '#functions/common/request-body';
import { haloErrorOf } from '#tests/support/halo-error';
import { httpEvent } from '#tests/support/http-event';

const REQUEST_ID = 'req-123';
const FIELDS = { identifier: 'is not a valid email address' };
const body = (result: { body?: string }) => JSON.parse(result.body ?? '') as Record<string, unknown>;

/** RFC 6750 §3 / RFC 6749 §5.2: error_description is a quoted string of %x20-21 / %x23-5B / %x5D-7E only. */
const DESCRIPTION_CHARS = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

describe('jsendError', () => {
  // A Record, so that a new ErrorCode without an expected status fails the type check.
  const STATUS: Record<ErrorCode, number> = {
    invalid_request: 400,
    invalid_image: 400,
    weak_password: 400,
    unsupported_grant_type: 400,
    invalid_credentials: 401,
    wrong_password: 403,
    missing_token: 401,
    invalid_token: 401,
    account_gone: 401,
    invalid_grant: 401,
    not_found: 404,
    identifier_taken: 409,
    conflict: 409,
    payload_too_large: 413,
    unsupported_media_type: 415,
    too_many_requests: 429,
    unavailable: 503,
  };
  const clientFaults = Object.entries(STATUS).filter(([code]) => code !== 'unavailable') as [ErrorCode, number][];

  it.each(clientFaults)('answers %s with %i and a JSend fail body of its fields', (code, status) => {
    const result = jsendError(new HaloError(code, FIELDS), REQUEST_ID);
    expect(result.statusCode).toBe(status);
    expect(body(result)).toEqual({ status: 'fail', data: FIELDS });
    expect(result.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    if (status !== 401) expect(result.headers).not.toHaveProperty('www-authenticate');
    if (status !== 429) expect(result.headers).not.toHaveProperty('retry-after');
  });

  it('tells a throttled client when to retry, in whole seconds, rounded up', () => {
    const result = jsendError(tooManyRequests('credentials', (s) => `too many failed attempts; retry in ${s} seconds`, 59_001), REQUEST_ID);
    expect(result.statusCode).toBe(429);
    expect(result.headers).toMatchObject({ 'retry-after': '60', 'cache-control': 'no-store' });
    expect(body(result)).toEqual({ status: 'fail', data: { credentials: 'too many failed attempts; retry in 60 seconds' } });
  });

  it('answers unavailable with a 503 JSend error that says what is unfinished, and when to retry', () => {
    const problem = 'the deletion is not finished: 3 open sockets could not be closed yet; call DELETE /api/user again';
    const result = jsendError(new HaloError('unavailable', { deletion: problem }, { retryAfterSeconds: 2 }), REQUEST_ID);
    expect(result.statusCode).toBe(503);
    expect(result.headers).toMatchObject({ 'retry-after': '2', 'cache-control': 'no-store' });
    expect(body(result)).toEqual({ status: 'error', message: problem, data: { requestId: REQUEST_ID } });
  });

  it('never tells a throttled client to retry at once', () => {
    expect(jsendError(tooManyRequests('requests', () => 'slow down', 0), REQUEST_ID).headers?.['retry-after']).toBe('1');
  });

  it('tells a client that sent a bad access token why, in WWW-Authenticate', () => {
    const result = jsendError(new HaloError('invalid_token', { authorization: 'the access token is invalid or has expired' }), REQUEST_ID);
    expect(result.headers?.['www-authenticate']).toBe(
      'Bearer realm="halo", error="invalid_token", error_description="the access token is invalid or has expired"',
    );
  });

  it('only challenges a client that sent no token', () => {
    const result = jsendError(new HaloError('missing_token', { authorization: 'is required' }), REQUEST_ID);
    expect(result.headers?.['www-authenticate']).toBe('Bearer realm="halo"');
    expect(REALM).toBe('Bearer realm="halo"');
  });

  it('only challenges on wrong credentials (there was no token to blame)', () => {
    const result = jsendError(new HaloError('invalid_credentials', { credentials: 'the identifier or the password is wrong' }), REQUEST_ID);
    expect(result.headers?.['www-authenticate']).toBe('Bearer realm="halo"');
  });

  it('keeps WWW-Authenticate well-formed when a message contains quotes', async () => {
    // bearerToken's own refusal says: must be "Bearer <access token>".
    const error = await haloErrorOf(() => bearerToken(httpEvent({ headers: { authorization: 'Basic dXNlcjpwYXNz' } })));
    const header = jsendError(error, REQUEST_ID).headers?.['www-authenticate'];
    const match = /^Bearer realm="halo", error="invalid_token", error_description="(.*)"$/.exec(String(header));
    expect(match?.[1]).toMatch(DESCRIPTION_CHARS);
    expect(match?.[1]).toContain('Bearer <access token>');
  });

  it('answers anything else with a generic 500 that leaks nothing', () => {
    const result = jsendError(new Error('connect ECONNREFUSED 10.0.0.7:8000 (table halo-prod)'), REQUEST_ID);
    expect(result.statusCode).toBe(500);
    expect(body(result)).toEqual({
      status: 'error',
      message: 'Something went wrong on our side; please try again.',
      data: { requestId: REQUEST_ID },
    });
    expect(result.body).not.toMatch(/ECONNREFUSED|halo-prod|10\.0\.0\.7/);
    expect(result.headers).not.toHaveProperty('www-authenticate');
  });

  it.each([undefined, null, 'a string', { code: 'invalid_request', fields: { x: 'y' } }])(
    'treats the non-HaloError %j as a server error',
    (thrown) => {
      expect(jsendError(thrown, REQUEST_ID).statusCode).toBe(500);
    },
  );
});

describe('oauthError', () => {
  const OAUTH_CODE: Record<ErrorCode, string> = {
    invalid_credentials: 'invalid_grant',
    invalid_grant: 'invalid_grant',
    invalid_token: 'invalid_grant',
    account_gone: 'invalid_grant',
    unsupported_grant_type: 'unsupported_grant_type',
    invalid_request: 'invalid_request',
    invalid_image: 'invalid_request',
    weak_password: 'invalid_request',
    wrong_password: 'invalid_request',
    missing_token: 'invalid_request',
    identifier_taken: 'invalid_request',
    conflict: 'invalid_request',
    payload_too_large: 'invalid_request',
    unsupported_media_type: 'invalid_request',
    not_found: 'invalid_request',
    too_many_requests: 'slow_down',
    unavailable: 'server_error',
  };
  const refusals = Object.entries(OAUTH_CODE).filter(([code]) => code !== 'unavailable') as [ErrorCode, string][];

  it.each(refusals)('answers %s with %s (400, or 429 when throttled)', (code, oauthCode) => {
    const result = oauthError(new HaloError(code, { grant_type: 'is wrong', password: 'is short' }), REQUEST_ID);
    expect(result.statusCode).toBe(code === 'too_many_requests' ? 429 : 400);
    expect(body(result)).toEqual({ error: oauthCode, error_description: 'grant_type is wrong; password is short' });
    expect(result.headers).toMatchObject({ 'cache-control': 'no-store', pragma: 'no-cache' });
  });

  it('answers a throttled password grant 429 slow_down with Retry-After, keeping the RFC 6749 headers', () => {
    const result = oauthError(tooManyRequests('credentials', (s) => `too many failed attempts; retry in ${s} seconds`, 30_000), REQUEST_ID);
    expect(result.statusCode).toBe(429);
    expect(result.headers).toMatchObject({ 'retry-after': '30', 'cache-control': 'no-store', pragma: 'no-cache' });
    expect(body(result)).toEqual({ error: 'slow_down', error_description: 'credentials too many failed attempts; retry in 30 seconds' });
  });

  it('answers unavailable as the server error it is', () => {
    const result = oauthError(new HaloError('unavailable', { deletion: 'is not finished' }), REQUEST_ID);
    expect(result.statusCode).toBe(500);
    expect(body(result)).toEqual({ error: 'server_error', error_description: `Internal error (request ${REQUEST_ID}); please try again.` });
  });

  it('answers anything else with server_error and the request id, never the message', () => {
    const result = oauthError(new Error('secret ARN arn:aws:secretsmanager:eu-west-1:1:secret:keys not found'), REQUEST_ID);
    expect(result.statusCode).toBe(500);
    expect(body(result)).toEqual({ error: 'server_error', error_description: `Internal error (request ${REQUEST_ID}); please try again.` });
    expect(result.body).not.toContain('arn:aws');
  });

  it('keeps error_description inside the characters RFC 6749 allows, even with field names a client chose', async () => {
    const error = await haloErrorOf(() =>
      formBody(httpEvent({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a%22%5C%C3%A9=1&a%22%5C%C3%A9=2' })),
    );
    const description = body(oauthError(error, REQUEST_ID)).error_description;
    expect(description).toMatch(DESCRIPTION_CHARS);
    expect(description).toContain('must not be repeated');
  });
});

describe('domain fields on HTTP', () => {
  it('names the access token by the header that carries it, in a JSend fail and an OAuth description alike', () => {
    const gone = new HaloError('account_gone', { accessToken: 'the account no longer exists' });
    const jsendAnswer = jsendError(gone, REQUEST_ID);
    expect(body(jsendAnswer)).toEqual({ status: 'fail', data: { authorization: 'the account no longer exists' } });
    expect(jsendAnswer.headers?.['www-authenticate']).toBe('Bearer realm="halo", error="invalid_token", error_description="the account no longer exists"');
    expect(body(oauthError(gone, REQUEST_ID))).toEqual({ error: 'invalid_grant', error_description: 'authorization the account no longer exists' });
  });
});
