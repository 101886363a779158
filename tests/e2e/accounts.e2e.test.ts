import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { bearer, call, postJson } from '../support/http';

let stack: RunningStack;
beforeAll(async () => {
  stack = await startStackProcess();
});
afterAll(() => stack.stop());

const PASSWORD = 'correct horse battery staple';

describe('accounts over real HTTP (embedded stack)', () => {
  it('registers, reads the profile, logs in and refreshes, all in JSend', async () => {
    const registered = await postJson(`${stack.url}/api/register`, { identifier: ' Ada.Lovelace@Example.COM ', password: PASSWORD });
    expect(registered.status).toBe(201);
    expect(registered.json.status).toBe('success');
    const { user, accessToken, refreshToken, tokenType, expiresIn } = registered.json.data;
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      identifier: 'ada.lovelace@example.com',
      identifierType: 'email',
      identifiers: [{ type: 'email', value: 'ada.lovelace@example.com', addedAt: expect.any(String) }],
      avatarUrl: null,
      registeredAt: expect.any(String),
    });
    expect(tokenType).toBe('Bearer');
    expect(expiresIn).toBe(900);
    expect(registered.headers.get('cache-control')).toBe('no-store');

    const profile = await call(`${stack.url}/api/user`, { headers: bearer(accessToken) });
    expect(profile.status).toBe(200);
    expect(profile.json).toEqual({ status: 'success', data: { user } });

    const loggedIn = await postJson(`${stack.url}/api/login`, { identifier: 'ADA.LOVELACE@example.com', password: PASSWORD });
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.json.data.user).toEqual(user);

    const refreshed = await postJson(`${stack.url}/api/refresh`, { refreshToken });
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.json.data).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
    expect(refreshed.json.data.refreshToken).not.toBe(refreshToken);
  });

  it('treats identifiers by their normalised form: phone formats and nickname case collide', async () => {
    expect((await postJson(`${stack.url}/api/register`, { identifier: '+44 20 7946 0958', password: PASSWORD })).status).toBe(201);
    const again = await postJson(`${stack.url}/api/register`, { identifier: '0044 (20) 7946-0958', password: PASSWORD });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({ status: 'fail', data: { identifier: 'this phone is already registered' } });

    expect((await postJson(`${stack.url}/api/register`, { identifier: 'admin', password: PASSWORD })).status).toBe(201);
    expect((await postJson(`${stack.url}/api/register`, { identifier: 'ＡＤＭＩＮ', password: PASSWORD })).status).toBe(409);
    const lookalike = await postJson(`${stack.url}/api/register`, { identifier: 'аdmin', password: PASSWORD });
    expect(lookalike.status).toBe(400);
    expect(lookalike.json.data.identifier).toMatch(/nicknames are/);
  });

  it('answers an unknown identifier and a wrong password identically', async () => {
    await postJson(`${stack.url}/api/register`, { identifier: 'known-user', password: PASSWORD });
    const wrongPassword = await postJson(`${stack.url}/api/login`, { identifier: 'known-user', password: 'not the password' });
    const unknownUser = await postJson(`${stack.url}/api/login`, { identifier: 'unknown-user', password: 'not the password' });
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(wrongPassword.status);
    expect(unknownUser.text).toBe(wrongPassword.text);
    expect(unknownUser.headers.get('www-authenticate')).toBe(wrongPassword.headers.get('www-authenticate'));
  });

  it('challenges missing and bad access tokens as RFC 6750 says', async () => {
    const missing = await call(`${stack.url}/api/user`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="halo"');
    expect(missing.json.status).toBe('fail');

    const bad = await call(`${stack.url}/api/user`, { headers: bearer('not.a.jwt') });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm="halo", error="invalid_token"/);
    expect(bad.json).toEqual({ status: 'fail', data: { authorization: 'the access token is invalid or has expired' } });
  });

  const badRequests: [string, RequestInit, number, string][] = [
    ['malformed JSON', { body: '{"identifier":', headers: { 'content-type': 'application/json' } }, 400, 'body'],
    ['a JSON array', { body: '[]', headers: { 'content-type': 'application/json' } }, 400, 'body'],
    ['an empty body', { headers: { 'content-type': 'application/json' } }, 400, 'body'],
    ['a form body', { body: 'identifier=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'content-type'],
    ['no content type', { body: '{}' }, 415, 'content-type'],
    ['missing fields', { body: '{}', headers: { 'content-type': 'application/json' } }, 400, 'identifier'],
    ['an extra field', { body: JSON.stringify({ identifier: 'someone', password: PASSWORD, admin: true }), headers: { 'content-type': 'application/json' } }, 400, 'admin'],
    ['a number as identifier', { body: JSON.stringify({ identifier: 42, password: PASSWORD }), headers: { 'content-type': 'application/json' } }, 400, 'identifier'],
    ['an absurd identifier', { body: JSON.stringify({ identifier: 'x'.repeat(1000), password: PASSWORD }), headers: { 'content-type': 'application/json' } }, 400, 'identifier'],
    ['a control-character identifier', { body: JSON.stringify({ identifier: 'ab\u0000cd', password: PASSWORD }), headers: { 'content-type': 'application/json' } }, 400, 'identifier'],
    ['a short password', { body: JSON.stringify({ identifier: 'someone', password: 'short' }), headers: { 'content-type': 'application/json' } }, 400, 'password'],
    ['a huge password', { body: JSON.stringify({ identifier: 'someone', password: 'p'.repeat(3000) }), headers: { 'content-type': 'application/json' } }, 400, 'password'],
    ['a body over 16 KiB', { body: JSON.stringify({ identifier: 'someone', password: 'p'.repeat(20_000) }), headers: { 'content-type': 'application/json' } }, 413, 'body'],
  ];

  it.each(badRequests)('refuses %s at registration with a JSend fail naming the problem', async (_name, init, status, field) => {
    const reply = await call(`${stack.url}/api/register`, { method: 'POST', ...init });
    expect(reply.status).toBe(status);
    expect(reply.json.status).toBe('fail');
    expect(Object.keys(reply.json.data)).toContain(field);
  });

  it('refuses a body over the API Gateway payload limit before any function runs', async () => {
    const reply = await call(`${stack.url}/api/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    expect(reply.status).toBe(413);
    expect(reply.json).toEqual({ message: 'Request Entity Too Large' }); // API Gateway's own answer, not Halo's
  });

  it('answers unknown routes and wrong methods in JSend', async () => {
    const unknown = await call(`${stack.url}/api/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ status: 'fail', data: { route: 'no route for GET /api/nothing-here' } });

    const wrongMethod = await call(`${stack.url}/api/user`, { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, DELETE');
    expect(wrongMethod.json.status).toBe('fail');
  });

  it('answers CORS preflights for browser apps', async () => {
    const reply = await call(`${stack.url}/api/login`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(reply.status).toBe(204);
    expect(reply.headers.get('access-control-allow-origin')).toBe('*');
    expect(reply.headers.get('access-control-allow-headers')).toContain('authorization');
  });
});
