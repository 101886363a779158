import { clientIdOf } from '#functions/common/oauth-client';
import { expectHaloError } from '#tests/support/halo-error';
import { httpEvent } from '#tests/support/http-event';

const basic = (user: string, secret = '') => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

describe('clientIdOf', () => {
  it('takes client_id from the form', () => {
    expect(clientIdOf(httpEvent(), { client_id: 'web' })).toBe('web');
  });

  it('takes client_id from the HTTP Basic user name, ignoring the secret', () => {
    expect(clientIdOf(httpEvent({ headers: { authorization: basic('mobile', 'ignored') } }), {})).toBe('mobile');
    expect(clientIdOf(httpEvent({ headers: { authorization: basic('my%20app') } }), {})).toBe('my app');
  });

  it('accepts the same client in both places', () => {
    expect(clientIdOf(httpEvent({ headers: { authorization: basic('web') } }), { client_id: 'web' })).toBe('web');
  });

  it('refuses two different clients', async () => {
    await expectHaloError(() => clientIdOf(httpEvent({ headers: { authorization: basic('web') } }), { client_id: 'cli' }), 'invalid_request', {
      client_id: 'differs between the form and the Authorization header',
    });
  });

  it('refuses a Basic user name that is not validly form-encoded', async () => {
    await expectHaloError(() => clientIdOf(httpEvent({ headers: { authorization: basic('%%') } }), {}), 'invalid_request', {
      authorization: 'the Basic user name must be a form-encoded client_id',
    });
  });

  it('is undefined when no client says who it is', () => {
    expect(clientIdOf(httpEvent(), {})).toBeUndefined();
    expect(clientIdOf(httpEvent({ headers: { authorization: 'Bearer abc' } }), {})).toBeUndefined();
  });

  it('refuses a client_id that is not printable ASCII or too long', async () => {
    await expectHaloError(() => clientIdOf(httpEvent(), { client_id: 'naïve' }), 'invalid_request');
    await expectHaloError(() => clientIdOf(httpEvent(), { client_id: 'x'.repeat(129) }), 'invalid_request');
    await expectHaloError(() => clientIdOf(httpEvent(), { client_id: '' }), 'invalid_request');
  });
});
