import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { decodeJwt } from 'jose';
import { addIdentifier } from '#lib/accounts/add-identifier';
import { authenticate, authenticateForDeletion } from '#lib/accounts/authenticate';
import { changePassword } from '#lib/accounts/change-password';
import { deleteAccount, type DeletionDeps } from '#lib/accounts/delete-account';
import { endOneSession, endOtherSessions } from '#lib/accounts/end-sessions';
import { listSessions } from '#lib/accounts/list-sessions';
import { login } from '#lib/accounts/login';
import { refresh } from '#lib/accounts/refresh';
import { removeIdentifier } from '#lib/accounts/remove-identifier';
import { register } from '#lib/accounts/register';
import { revoke } from '#lib/accounts/revoke';
import { HaloError, type ErrorCode } from '#lib/errors';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { bearerToken } from '#functions/common/bearer-token';
import { socketAccessToken } from '#functions/common/socket-token';
import { ACCESS_TOKEN_TTL_SECONDS, DEFAULT_CLIENT_ID, TEST_AUDIENCE, TEST_ISSUER, accountFixture, identifierChangeFixture, type AccountFixture } from '../support/account-fixture';
import { createFakeSocketSender } from '../support/fake-socket-sender';
import { withAttackTables } from '../support/attack-table';
import { haloErrorOf } from '../support/halo-error';
import { httpEvent } from '../support/http-event';
import { createInMemoryAbuseCounters } from '../support/in-memory-abuse-counters';
import { createInMemoryConnections } from '../support/in-memory-connections';
import { createInMemoryObjects } from '../support/in-memory-objects';
import { createInMemoryOwnedItems } from '../support/in-memory-owned-items';
import { createInMemoryPendingDeletions } from '../support/in-memory-pending-deletions';
import { httpFields } from '#functions/common/error-answers';
import {
  ALL_ATTACKS,
  FORGED_ACCESS_TOKENS,
  FORGED_REFRESH_TOKENS,
  SCENARIOS,
  attackerKeys,
  expectForgedAccessRefused,
  expectForgedRefreshRefused,
  honestAccessToken,
  pointForgeriesAt,
  signed,
  type Account,
  type ForgeContext,
  type TokenTarget,
} from '../support/token-forgery';

/**
 * The token-attack catalogue (tests/support/token-forgery.ts) against the use cases, in process: real
 * jose, real ES256 keys made here, in-memory repositories and a clock that never moves. Each forged
 * token must end in exactly the stable code (`invalid_token` or `invalid_grant`), naming only the part
 * of the request at fault; anything else (a success, a TypeError that would be a 500) fails.
 */

let fixture: AccountFixture;
let target: TokenTarget;
let context: ForgeContext;
let signIns = 0;
/** Each account's identifier, by user id: a second device logs in with it. */
const identifiers = new Map<string, string>();

/** Counts what reaches the attacker's server: the URLs in jku/x5u headers must never be fetched. */
let attackerServer: Server;
let attackerJwksUrl: string;
const attackerRequests: string[] = [];

/** Refused with this code, naming this field as the client is told it (the access token is the `authorization` header). */
async function refusedAs(work: () => Promise<unknown>, code: ErrorCode, field: string) {
  const error = await haloErrorOf(work);
  expect(error.code).toBe(code);
  expect(Object.keys(httpFields(error.fields))).toEqual([field]);
}

const bearerEvent = (method: string, token: string) =>
  httpEvent({ method, path: '/api/user', headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  attackerServer = createServer((request, response) => {
    attackerRequests.push(request.url ?? '');
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [context.attacker.publicJwk] }));
  });
  await new Promise<void>((done) => attackerServer.listen(0, '127.0.0.1', done));
  attackerJwksUrl = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}/attacker/jwks.json`;
  pointForgeriesAt({ attackerJwksUrl });

  fixture = await accountFixture();
  const { deps, users, sessions, clock, signingKeys } = fixture;
  const connections = createInMemoryConnections();
  const identifierChanges = identifierChangeFixture(fixture).deps;
  const deletionDeps: DeletionDeps = {
    users,
    ownedItems: createInMemoryOwnedItems({ users, sessions, connections }),
    connections,
    sockets: createFakeSocketSender(),
    objects: createInMemoryObjects(),
    pendingDeletions: createInMemoryPendingDeletions(),
    clock,
    indexSettleMs: 0,
  };

  /** The $connect path: the token pulled from the handshake, then the authentication connectSocket starts with. */
  const refuseSocket = (token: string, headers: Record<string, string> | undefined, query: Record<string, string> | undefined) =>
    refusedAs(async () => authenticate(deps, socketAccessToken(headers, query).token), 'invalid_token', 'authorization');

  target = {
    keys: {
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      ttlSeconds: ACCESS_TOKEN_TTL_SECONDS,
      kid: signingKeys.kid,
      publicJwk: signingKeys.publicJwks[0] ?? {},
      privateKey: signingKeys.privateKey,
    },
    now: clock,
    async signIn(): Promise<Account> {
      const identifier = `user-${++signIns}`;
      const { user, tokens } = await register(deps, { identifier, password: 'plum-lantern-orbit-47' });
      identifiers.set(user.id, identifier);
      const { sid } = decodeJwt(tokens.accessToken);
      return { userId: user.id, sessionId: String(sid), clientId: DEFAULT_CLIENT_ID, ...tokens };
    },
    refuseAccess: {
      'GET /api/user (Bearer header, authenticate)': (token) =>
        refusedAs(async () => authenticate(deps, bearerToken(bearerEvent('GET', token))), 'invalid_token', 'authorization'),
      'GET /api/user/sessions (Bearer header, listSessions)': (token) =>
        refusedAs(() => listSessions(deps, bearerToken(bearerEvent('GET', token))), 'invalid_token', 'authorization'),
      'DELETE /api/user/sessions (Bearer header, endOtherSessions)': (token) =>
        refusedAs(() => endOtherSessions(deps, bearerToken(bearerEvent('DELETE', token))), 'invalid_token', 'authorization'),
      'DELETE /api/user (Bearer header, authenticateForDeletion)': (token) =>
        refusedAs(async () => authenticateForDeletion(deps, bearerToken(bearerEvent('DELETE', token))), 'invalid_token', 'authorization'),
      'POST /api/user/identifiers (addIdentifier)': (token) =>
        refusedAs(
          async () => addIdentifier(identifierChanges, bearerToken(httpEvent({ method: 'POST', path: '/api/user/identifiers', headers: { authorization: `Bearer ${token}` } })), () => 'forged@example.com'),
          'invalid_token',
          'authorization',
        ),
      'DELETE /api/user/identifiers/{identifier} (removeIdentifier)': (token) =>
        refusedAs(
          async () => removeIdentifier(identifierChanges, bearerToken(httpEvent({ method: 'DELETE', path: '/api/user/identifiers/x', headers: { authorization: `Bearer ${token}` } })), 'user-1'),
          'invalid_token',
          'authorization',
        ),
      'socket $connect (subprotocol)': (token) => refuseSocket(token, { 'sec-websocket-protocol': `halo.bearer, ${token}` }, undefined),
      'socket $connect (?access_token=)': (token) => refuseSocket(token, undefined, { access_token: token }),
    },
    async expectAccepted(accessToken) {
      await expect(authenticate(deps, accessToken)).resolves.toMatchObject({ user: { status: 'active' } });
    },
    refuseRefresh: {
      refresh: (token) => refusedAs(() => refresh(deps, { refreshToken: token }), 'invalid_grant', 'refreshToken'),
      'refresh with a client_id': (token) =>
        refusedAs(() => refresh(deps, { refreshToken: token, clientId: DEFAULT_CLIENT_ID }), 'invalid_grant', 'refreshToken'),
    },
    async signInAs(clientId) {
      const { user, tokens } = await register(deps, { identifier: `user-${++signIns}`, password: 'plum-lantern-orbit-47', clientId });
      const { sid } = decodeJwt(tokens.accessToken);
      return { userId: user.id, sessionId: String(sid), clientId, ...tokens };
    },
    refresh: (refreshToken, clientId) => refresh(deps, { refreshToken, clientId }),
    refuseRefreshAs: (token, clientId) => refusedAs(() => refresh(deps, { refreshToken: token, clientId }), 'invalid_grant', 'refreshToken'),
    refuseRevokeAs: (token, clientId) => refusedAs(() => revoke(deps, { token, clientId }), 'invalid_grant', 'token'),
    refuseRefreshByAnotherClient: (token) =>
      refusedAs(() => refresh(deps, { refreshToken: token, clientId: 'another-client' }), 'invalid_grant', 'refreshToken'),
    async passGraceWindow() {
      clock.advance(deps.settings.refreshReuseGraceSeconds);
    },
    revoke: (token) => revoke(deps, { token }),
    deleteAccount: (account) => deleteAccount(deletionDeps, account.userId),
    async secondDevice(account) {
      const { tokens } = await login(deps, { identifier: identifiers.get(account.userId) ?? '', password: 'plum-lantern-orbit-47' });
      const { sid } = decodeJwt(tokens.accessToken);
      return { ...account, sessionId: String(sid), ...tokens };
    },
    async changePassword(account) {
      const throttle = { counters: createInMemoryAbuseCounters(), limits: DEFAULT_LIMITS.login, clock };
      await changePassword({ account: deps, throttle }, account.accessToken, { currentPassword: 'plum-lantern-orbit-47', newPassword: `changed-${randomUUID()}` }, '192.0.2.7');
    },
    async endSession(caller, sessionId) {
      try {
        await endOneSession(deps, caller.accessToken, sessionId);
        return 'ended';
      } catch (error) {
        if (error instanceof HaloError && error.code === 'not_found') return 'not_found';
        throw error;
      }
    },
  };

  context = {
    keys: target.keys,
    now: clock(),
    victim: await target.signIn(),
    bystander: await target.signIn(),
    attacker: await attackerKeys(),
  };
});

afterAll(() => new Promise((done) => attackerServer.close(done)));

describe('token attacks, against the use cases', () => {
  it('accepts the honest token every forgery starts from (the control)', async () => {
    await target.expectAccepted(await honestAccessToken(context));
    await target.expectAccepted(context.victim.accessToken);
    // RFC 9068 §2.1 allows the media type in full; both spellings are the same type.
    await target.expectAccepted(await signed(context, { header: { typ: 'application/at+jwt' } }));
  });

  describe('forged access tokens are refused with invalid_token, and revoking them ends no session', () => {
    it.each(FORGED_ACCESS_TOKENS.map((forgery) => [forgery.name, forgery] as const))('%s', async (_name, forgery) => {
      await expectForgedAccessRefused(target, forgery, context);
    });

    it('never fetched the URLs that jku and x5u headers point at', async () => {
      const forgedWithUrls = FORGED_ACCESS_TOKENS.filter((forgery) => /jku|x5u/.test(forgery.name));
      expect(forgedWithUrls.length).toBeGreaterThanOrEqual(3);
      for (const forgery of forgedWithUrls) await expectForgedAccessRefused(target, forgery, context);
      expect(attackerRequests).toEqual([]);
      // The control: the server does answer, so silence above means nobody asked.
      expect((await (await fetch(attackerJwksUrl)).json()) as unknown).toEqual({ keys: [context.attacker.publicJwk] });
      expect(attackerRequests).toEqual(['/attacker/jwks.json']);
    });

    it('refuses a 1 MB token without decoding it', async () => {
      const huge = `${'A'.repeat(500_000)}.${'B'.repeat(500_000)}.C`;
      const error = await haloErrorOf(fixture.deps.accessTokens.verify(huge, fixture.clock()));
      expect(error.code).toBe('invalid_token');
      expect(String((error.cause as Error).message)).toMatch(/longer than/);
    });
  });

  describe('forged refresh tokens are refused with invalid_grant, and end no session', () => {
    it.each(FORGED_REFRESH_TOKENS.map((forgery) => [forgery.name, forgery] as const))('%s', async (_name, forgery) => {
      await expectForgedRefreshRefused(target, forgery, context);
    });
  });

  describe('account-level attacks', () => {
    it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
      await scenario.run(target);
    });
  });

  it('docs/design.md lists every attack with the check that stops it', async () => {
    const design = await readFile(new URL('../../docs/design.md', import.meta.url), 'utf8');
    const missing = ALL_ATTACKS.filter(({ name, defence }) => !design.includes(`| ${name} | ${defence} |`)).map(({ name }) => name);
    expect(missing).toEqual([]);
    // The tables are generated from the catalogue (`npm run docs:attacks`): a row edited by hand, or left behind, fails here.
    expect(design).toBe(withAttackTables(design));
  });
});
