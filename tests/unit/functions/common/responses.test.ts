import { jsend, oauthJson, publicJson, success } from '#functions/common/responses';

describe('responses', () => {
  it('wraps data in a JSend success that no cache may keep', () => {
    const result = success({ id: 'u1' }, 201);
    expect(result).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify({ status: 'success', data: { id: 'u1' } }),
    });
    expect(success(null).statusCode).toBe(200);
  });

  it('adds extra headers to a JSend body without dropping no-store', () => {
    const result = jsend(401, { status: 'fail', data: { authorization: 'is required' } }, { 'www-authenticate': 'Bearer realm="halo"' });
    expect(result.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'www-authenticate': 'Bearer realm="halo"',
    });
  });

  it('marks OAuth responses no-store and no-cache (RFC 6749 §5.1)', () => {
    expect(oauthJson(200, { access_token: 'x' }).headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      pragma: 'no-cache',
    });
  });

  it('lets public documents be cached', () => {
    expect(publicJson({ keys: [] }, 300)).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
      body: '{"keys":[]}',
    });
  });
});
