import type { RecordedExchange } from '../support/contract-recorder';
import { Contract } from '../support/contract';

/**
 * The contract check itself: it must pass what the specifications promise and catch everything they do
 * not, or the end-to-end suite's "every answer is documented" would mean nothing.
 */
const contract = new Contract();

const USER = {
  id: 'a9f32868-c8bb-4a69-9721-1365763af9f3',
  identifier: 'ada@example.com',
  identifierType: 'email',
  identifiers: [{ type: 'email', value: 'ada@example.com', addedAt: '2026-11-23T20:15:18.607Z' }],
  avatarUrl: null,
  registeredAt: '2026-11-23T20:15:18.607Z',
};
const SESSION = { user: USER, accessToken: 'eyJ.a.b', refreshToken: 'r', tokenType: 'Bearer', expiresIn: 900 };
const JSON_TYPE = 'application/json; charset=utf-8';

function exchange(overrides: Partial<RecordedExchange> & { json?: unknown }): RecordedExchange {
  const { json, ...rest } = overrides;
  return {
    method: 'POST',
    url: 'http://localhost:3000/api/register',
    requestHeaders: {},
    status: 201,
    headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store' },
    body: json === undefined ? '' : JSON.stringify(json),
    redirected: false,
    ...rest,
  };
}

const problemsOf = (x: RecordedExchange) => contract.checkExchange(x).problems;

describe('the contract check (docs/openapi.yaml)', () => {
  it('knows every operation', () => {
    expect(contract.operations.map((op) => op.id)).toEqual(
      expect.arrayContaining(['register', 'login', 'refresh', 'getUser', 'deleteUser', 'uploadAvatar', 'oauthToken', 'jwks', 'docsFile']),
    );
  });

  it('passes a documented answer', () => {
    expect(problemsOf(exchange({ json: { status: 'success', data: SESSION } }))).toEqual([]);
    expect(contract.checkExchange(exchange({ json: { status: 'success', data: SESSION } })).key).toBe('register 201');
  });

  it('fails an undocumented status', () => {
    expect(problemsOf(exchange({ status: 418, json: { status: 'fail', data: { teapot: 'yes' } } }))).toEqual([
      expect.stringMatching(/status 418 is not documented for register/),
    ]);
  });

  it('fails an undocumented field, at any depth', () => {
    expect(problemsOf(exchange({ json: { status: 'success', data: { ...SESSION, scope: 'all' } } }))).toEqual([
      expect.stringMatching(/must NOT have unevaluated properties \(scope\)/),
    ]);
    expect(problemsOf(exchange({ json: { status: 'success', data: { ...SESSION, user: { ...USER, passwordHash: 'x' } } } }))).toEqual([
      expect.stringMatching(/\/data\/user must NOT have additional properties \(passwordHash\)/),
    ]);
    expect(problemsOf(exchange({ json: { status: 'success', data: SESSION, debug: true } }))).not.toEqual([]);
  });

  it('fails a missing or wrong field', () => {
    const withoutRefresh: Partial<typeof SESSION> = { ...SESSION };
    delete withoutRefresh.refreshToken;
    expect(problemsOf(exchange({ json: { status: 'success', data: withoutRefresh } }))).not.toEqual([]);
    expect(problemsOf(exchange({ json: { status: 'success', data: { ...SESSION, expiresIn: '900' } } }))).not.toEqual([]);
    expect(problemsOf(exchange({ json: { status: 'success', data: { ...SESSION, user: { ...USER, id: 'not-a-uuid' } } } }))).not.toEqual([]);
  });

  it('fails a missing or wrong documented header', () => {
    const unauthorized = { url: 'http://localhost:3000/api/user', method: 'GET', status: 401, json: { status: 'fail', data: { authorization: 'is required' } } };
    expect(problemsOf(exchange({ ...unauthorized, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="halo"' } }))).toEqual([]);
    expect(problemsOf(exchange({ ...unauthorized, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store' } }))).toEqual([
      expect.stringMatching(/WWW-Authenticate is missing/),
    ]);
    expect(problemsOf(exchange({ ...unauthorized, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', 'www-authenticate': 'Basic' } }))).toEqual([
      expect.stringMatching(/header WWW-Authenticate: \/ must match pattern/),
    ]);
    expect(problemsOf(exchange({ headers: { 'content-type': JSON_TYPE, 'cache-control': 'public' }, json: { status: 'success', data: SESSION } }))).toEqual([
      expect.stringMatching(/header Cache-Control/),
    ]);
    expect(problemsOf(exchange({ url: 'http://localhost:3000/avatars/a9f32868-c8bb-4a69-9721-1365763af9f3/0mwtpggk2-7917ebbe41e6', method: 'GET', status: 302, headers: {} }))).toEqual([
      expect.stringMatching(/Location is missing/),
      expect.stringMatching(/Cache-Control is missing/),
      expect.stringMatching(/Cross-Origin-Resource-Policy is missing/),
      expect.stringMatching(/Vary is missing/),
    ]);
  });

  it('fails an undocumented media type, and a body where none is documented', () => {
    expect(problemsOf(exchange({ headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' }, body: 'ok' }))).toEqual([
      expect.stringMatching(/content-type "text\/plain" is not documented/),
    ]);
    const revoked = { url: 'http://localhost:3000/oauth/revoke', status: 200, headers: { 'cache-control': 'no-store' } };
    expect(problemsOf(exchange({ ...revoked, body: '' }))).toEqual([]);
    expect(problemsOf(exchange({ ...revoked, body: '{}' }))).toEqual([expect.stringMatching(/documented without a body/)]);
  });

  it('holds requests that match no operation to the gateway answers', () => {
    const noRoute = { url: 'http://localhost:3000/api/nothing', method: 'GET', status: 404, json: { status: 'fail', data: { route: 'no route for GET /api/nothing' } } };
    expect(problemsOf(exchange(noRoute))).toEqual([]);
    expect(problemsOf(exchange({ ...noRoute, status: 500 }))).toEqual([expect.stringMatching(/documented to answer 404/)]);
    const wrongMethod = { url: 'http://localhost:3000/api/user', method: 'PUT', status: 405, json: { status: 'fail', data: { method: 'PUT is not allowed' } } };
    expect(problemsOf(exchange({ ...wrongMethod, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', allow: 'GET, DELETE' } }))).toEqual([]);
    expect(problemsOf(exchange(wrongMethod))).toEqual([expect.stringMatching(/Allow is missing/)]);
  });
});

describe('the contract check (docs/asyncapi.yaml)', () => {
  const message = (payload: unknown) => contract.checkSocketMessage({ url: 'ws://localhost:3000/ws', data: JSON.stringify(payload) });

  it('passes every message Halo is documented to send', () => {
    expect(message({ type: 'pong' })).toEqual({ message: 'pong', problems: [] });
    expect(message({ type: 'user.deleted' }).message).toBe('userDeleted');
    const changed = { type: 'avatar.changed', data: { userId: USER.id, avatarUrl: 'http://localhost:3000/avatars/x/y', changedAt: USER.registeredAt } };
    expect(message(changed).message).toBe('avatarChanged');
  });

  it('fails an undocumented message or field', () => {
    expect(message({ type: 'hello' }).problems).toEqual([expect.stringMatching(/matches no message/)]);
    expect(message({ type: 'pong', at: 1 }).problems).not.toEqual([]);
    expect(message({ type: 'avatar.changed', data: { userId: USER.id } }).problems).not.toEqual([]);
    expect(contract.checkSocketMessage({ url: 'ws://x', data: 'not json' }).problems).toEqual([expect.stringMatching(/not JSON/)]);
  });

  it('does not take what clients send for what Halo sends', () => {
    expect(message({ action: 'ping' }).problems).not.toEqual([]);
  });
});
