import { socketError } from '#functions/common/websocket-responses';
import { HaloError, tooManyRequests } from '#lib/errors';

describe('socketError', () => {
  it('refuses a socket past the cap with 429 and the retry hint', () => {
    expect(socketError(tooManyRequests('connections', () => 'too many', 30_000), '$connect')).toEqual({
      statusCode: 429,
      headers: { 'Retry-After': '30' },
    });
  });

  it('refuses a missing or bad token with 401, any other refusal with 400', () => {
    expect(socketError(new HaloError('invalid_token', { authorization: 'bad' }), '$connect')).toEqual({ statusCode: 401 });
    expect(socketError(new HaloError('missing_token', { authorization: 'is required' }), '$connect')).toEqual({ statusCode: 401 });
    expect(socketError(new HaloError('invalid_request', { body: 'bad' }), '$connect')).toEqual({ statusCode: 400 });
  });

  it('answers anything unexpected with a bare 500', () => {
    expect(socketError(new Error('table halo-prod unreachable'), '$connect')).toEqual({ statusCode: 500 });
  });
});
