import { socketError, socketRoute } from '#functions/common/websocket-responses';
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

describe('socketRoute', () => {
  const event = { requestContext: { routeKey: '$connect' } };

  it('answers what the route returns', async () => {
    await expect(socketRoute(async () => ({ statusCode: 200 }))(event)).resolves.toEqual({ statusCode: 200 });
  });

  it('answers what the route throws as socketError does: a gone account is a 401, an outage a bare 500', async () => {
    const gone = socketRoute(async () => {
      throw new HaloError('account_gone', { accessToken: 'the account no longer exists' });
    });
    await expect(gone(event)).resolves.toEqual({ statusCode: 401 });
    const outage = socketRoute(async () => {
      throw new Error('table unreachable');
    });
    await expect(outage(event)).resolves.toEqual({ statusCode: 500 });
  });
});
