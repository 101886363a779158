import { bearerToken } from '#functions/common/bearer-token';
import { expectHaloError } from '#tests/support/halo-error';
import { httpEvent } from '#tests/support/http-event';

const withAuthorization = (authorization: string) => httpEvent({ method: 'GET', headers: { authorization } });

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['Bearer   abc.def-ghi_jkl~mno+/==', 'abc.def-ghi_jkl~mno+/=='],
    ['  Bearer abc  ', 'abc'],
  ])('takes the token from %j', (header, token) => {
    expect(bearerToken(withAuthorization(header))).toBe(token);
  });

  it('asks for a token when none was sent', async () => {
    await expectHaloError(() => bearerToken(httpEvent({ method: 'GET' })), 'missing_token');
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b', 'Bearer a=b', 'Token abc', 'abc.def.ghi'])(
    'refuses the header %j as an invalid token',
    async (header) => {
      await expectHaloError(() => bearerToken(withAuthorization(header)), 'invalid_token', { authorization: 'must be "Bearer <access token>"' });
    },
  );
});
