import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, importJWK, type CryptoKey, type JWK } from 'jose';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { bearerRoutes, type BearerRoute } from '../support/bearer-routes';
import { bearer, call, postForm, postJson } from '../support/http';
import { openSocket } from '../support/socket-client';
import {
  FORGED_ACCESS_TOKENS,
  FORGED_REFRESH_TOKENS,
  SCENARIOS,
  attackerKeys,
  expectForgedAccessRefused,
  expectForgedRefreshRefused,
  honestAccessToken,
  type Account,
  type ForgeContext,
  type TokenTarget,
} from '../support/token-forgery';

/**
 * The token-attack catalogue (tests/support/token-forgery.ts) over real HTTP and real WebSockets, against
 * one embedded stack. The forgeries use the kid the stack publishes at /.well-known/jwks.json; those
 * "signed with the service key" use the private key from the stack's own data folder, to show that each
 * check behind the signature holds on the wire too.
 */

let stack: RunningStack;
let dataDir: string;
let target: TokenTarget;
let context: ForgeContext;
let signIns = 0;
/** Each account's identifier and current password, by user id: a second device logs in with them. */
const identifiers = new Map<string, string>();
const passwords = new Map<string, string>();
const PASSWORD = 'an unguessable passphrase for attacks';
/**
 * The stack's refresh grace window: short, so the scenarios can wait it out on the wire, yet long enough
 * that the replays meant to land inside it (one request after the rotation) do under load.
 */
const GRACE_SECONDS = 3;

/** Identifiers the forged-token attacks try to add (each a new one, so a wrongly accepted token would answer 201, not 409). */

/** RFC 6455 subprotocols are HTTP tokens: a forgery outside that alphabet can only ride in the query. */
const SUBPROTOCOL_SAFE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

async function expectBearerRefusal({ method, path, jsonBody }: BearerRoute, token: string) {
  const headers = { ...bearer(token), ...(jsonBody === undefined ? {} : { 'content-type': 'application/json' }) };
  const reply = await call(`${stack.url}${path}`, { method, headers, body: jsonBody });
  expect({ status: reply.status, json: reply.json }).toEqual({ status: 401, json: { status: 'fail', data: { authorization: expect.any(String) } } });
  expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer realm="halo", error="invalid_token", error_description="[^"]*"$/);
}

async function expectHandshakeRefused(token: string, how: 'subprotocol' | 'query') {
  const opened = await openSocket(stack.websocketUrl, token, how).then(
    (socket) => socket,
    (error: { status?: number }) => error,
  );
  if ('socket' in opened) {
    opened.close();
    throw new Error(`the handshake (${how}) accepted the token`);
  }
  expect(opened.status).toBe(401);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'halo-token-attacks-'));
  stack = await startStackProcess({ dataDir, env: { REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) } });

  const { keys: published } = (await call(`${stack.url}/.well-known/jwks.json`)).json as { keys: JWK[] };
  const [publicJwk] = published;
  if (!publicJwk?.kid) throw new Error('the stack publishes no key');
  const { keys: stored } = JSON.parse(await readFile(join(dataDir, 'signing-keys.json'), 'utf8')) as { keys: JWK[] };
  const current = stored.find((key) => key.kid === publicJwk.kid);
  if (!current) throw new Error('the published kid is not in the stack\'s key file');

  const probe = await postJson(`${stack.url}/api/register`, { identifier: 'attack-probe', password: PASSWORD });
  target = {
    keys: {
      issuer: stack.url,
      audience: stack.url,
      ttlSeconds: Number(probe.json.data.expiresIn),
      kid: publicJwk.kid,
      publicJwk,
      privateKey: (await importJWK(current, 'ES256')) as CryptoKey,
    },
    now: () => new Date(),
    async signIn(): Promise<Account> {
      const identifier = `attack-target-${++signIns}`;
      const reply = await postJson(`${stack.url}/api/register`, { identifier, password: PASSWORD });
      expect(reply.status).toBe(201);
      identifiers.set(reply.json.data.user.id, identifier);
      const { accessToken, refreshToken } = reply.json.data as { accessToken: string; refreshToken: string };
      const { sid, client_id } = decodeJwt(accessToken);
      return { userId: reply.json.data.user.id, sessionId: String(sid), clientId: String(client_id), accessToken, refreshToken };
    },
    refuseAccess: {
      // Every route the specification says takes a Bearer token (tests/support/bearer-routes.ts).
      ...Object.fromEntries(bearerRoutes().map((route) => [`${route.method} ${route.template}`, (token: string) => expectBearerRefusal(route, token)])),
      'WebSocket $connect': async (token) => {
        if (SUBPROTOCOL_SAFE.test(token)) await expectHandshakeRefused(token, 'subprotocol');
        await expectHandshakeRefused(token, 'query');
      },
    },
    async expectAccepted(accessToken) {
      expect((await call(`${stack.url}/api/user`, { headers: bearer(accessToken) })).status).toBe(200);
    },
    refuseRefresh: {
      'POST /api/refresh': async (token) => {
        const reply = await postJson(`${stack.url}/api/refresh`, { refreshToken: token });
        expect({ status: reply.status, json: reply.json }).toEqual({ status: 401, json: { status: 'fail', data: { refreshToken: expect.any(String) } } });
      },
      'POST /oauth/token (refresh_token grant)': async (token) => {
        const reply = await postForm(`${stack.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: token });
        expect({ status: reply.status, json: reply.json }).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: expect.any(String) } });
        expect(reply.headers.get('cache-control')).toBe('no-store');
      },
    },
    async signInAs(clientId) {
      const identifier = `attack-target-${++signIns}`;
      expect((await postJson(`${stack.url}/api/register`, { identifier, password: PASSWORD })).status).toBe(201);
      const reply = await postForm(`${stack.url}/oauth/token`, { grant_type: 'password', username: identifier, password: PASSWORD, client_id: clientId });
      expect(reply.status).toBe(200);
      const { access_token: accessToken, refresh_token: refreshToken } = reply.json as { access_token: string; refresh_token: string };
      const claims = decodeJwt(accessToken);
      expect(claims.client_id).toBe(clientId);
      return { userId: String(claims.sub), sessionId: String(claims.sid), clientId, accessToken, refreshToken };
    },
    async refresh(refreshToken, clientId) {
      if (clientId !== undefined) {
        const reply = await postForm(`${stack.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
        expect(reply.status).toBe(200);
        return { accessToken: reply.json.access_token, refreshToken: reply.json.refresh_token };
      }
      const reply = await postJson(`${stack.url}/api/refresh`, { refreshToken });
      expect(reply.status).toBe(200);
      return { accessToken: reply.json.data.accessToken, refreshToken: reply.json.data.refreshToken };
    },
    async refuseRefreshAs(token, clientId) {
      const reply = await postForm(`${stack.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: token, ...(clientId === undefined ? {} : { client_id: clientId }) });
      expect({ status: reply.status, json: reply.json }).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: expect.any(String) } });
      expect(reply.headers.get('cache-control')).toBe('no-store');
    },
    async refuseRevokeAs(token, clientId) {
      const reply = await postForm(`${stack.url}/oauth/revoke`, { token, ...(clientId === undefined ? {} : { client_id: clientId }) });
      expect({ status: reply.status, json: reply.json }).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: expect.any(String) } });
    },
    async refuseRefreshByAnotherClient(token) {
      const reply = await postForm(`${stack.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: token, client_id: 'another-client' });
      expect({ status: reply.status, json: reply.json }).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: expect.any(String) } });
    },
    async passGraceWindow() {
      await new Promise((resolve) => setTimeout(resolve, GRACE_SECONDS * 1000 + 100));
    },
    async revoke(token) {
      const reply = await postForm(`${stack.url}/oauth/revoke`, { token });
      expect({ status: reply.status, text: reply.text }).toEqual({ status: 200, text: '' });
    },
    async deleteAccount(account) {
      expect((await call(`${stack.url}/api/user`, { method: 'DELETE', headers: bearer(account.accessToken) })).status).toBe(200);
    },
    async secondDevice(account) {
      const reply = await postJson(`${stack.url}/api/login`, { identifier: identifiers.get(account.userId), password: passwords.get(account.userId) ?? PASSWORD });
      expect(reply.status).toBe(200);
      const { accessToken, refreshToken } = reply.json.data as { accessToken: string; refreshToken: string };
      return { ...account, sessionId: String(decodeJwt(accessToken).sid), accessToken, refreshToken };
    },
    async changePassword(account) {
      const newPassword = `changed ${randomUUID()}`;
      const currentPassword = passwords.get(account.userId) ?? PASSWORD;
      const reply = await postJson(`${stack.url}/api/user/password`, { currentPassword, newPassword }, bearer(account.accessToken));
      expect(reply.status).toBe(200);
      passwords.set(account.userId, newPassword);
    },
    async endSession(caller, sessionId) {
      const reply = await call(`${stack.url}/api/user/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE', headers: bearer(caller.accessToken) });
      if (reply.status === 404) {
        expect(reply.json).toEqual({ status: 'fail', data: { sessionId: expect.any(String) } });
        return 'not_found';
      }
      expect({ status: reply.status, json: reply.json }).toEqual({ status: 200, json: { status: 'success', data: null } });
      return 'ended';
    },
  };

  context = {
    keys: target.keys,
    now: new Date(),
    victim: await target.signIn(),
    bystander: await target.signIn(),
    attacker: await attackerKeys(),
  };
});

afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('token attacks over HTTP and WebSockets (embedded stack)', () => {
  it('accepts the honest token every forgery starts from (the control), on HTTP and on the socket', async () => {
    const honest = await honestAccessToken({ ...context, now: new Date() });
    await target.expectAccepted(honest);
    const socket = await openSocket(stack.websocketUrl, honest);
    socket.close();
    await socket.closed;
  });

  describe('forged access tokens: 401 invalid_token on every route and on the handshake; revoking them ends no session', () => {
    it.each(FORGED_ACCESS_TOKENS.map((forgery) => [forgery.name, forgery] as const))('%s', async (_name, forgery) => {
      await expectForgedAccessRefused(target, forgery, { ...context, now: new Date() });
    });
  });

  describe('forged refresh tokens: 401 JSend and 400 invalid_grant, ending no session', () => {
    it.each(FORGED_REFRESH_TOKENS.map((forgery) => [forgery.name, forgery] as const))('%s', async (_name, forgery) => {
      await expectForgedRefreshRefused(target, forgery, { ...context, now: new Date() });
    });
  });

  describe('account-level attacks', () => {
    it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
      await scenario.run(target);
    });
  });

  it('answers revocation of garbage with 200 and an empty body (RFC 7009 §2.2), whatever the hint', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    for (const token of ['garbage', 'a.b.c', unsigned, 'x'.repeat(5000), '🔑']) {
      for (const hint of [undefined, 'access_token', 'refresh_token', 'something_else']) {
        const reply = await postForm(`${stack.url}/oauth/revoke`, { token, ...(hint ? { token_type_hint: hint } : {}) });
        expect({ status: reply.status, text: reply.text }).toEqual({ status: 200, text: '' });
      }
    }
    await target.expectAccepted(context.victim.accessToken);
  });
});
