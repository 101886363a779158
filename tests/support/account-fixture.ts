import type { AccountDeps } from '#lib/accounts/account-deps';
import type { IdentifierChangeDeps } from '#lib/accounts/identifier-deps';
import { createPasswordHasher, type Argon2Parameters, type PasswordHasher } from '#lib/passwords/password-hasher';
import { createAccessTokens, type AccessTokens } from '#lib/tokens/access-tokens';
import { generateSigningKey, toSigningKeys, type SigningKeys } from '#lib/tokens/signing-keys';
import { createFakeSocketSender } from './fake-socket-sender';
import { createInMemoryConnections } from './in-memory-connections';
import { createInMemoryIdentifiers } from './in-memory-identifiers';
import { createInMemorySessions, type InMemorySessions } from './in-memory-sessions';
import { createInMemoryUsers, type InMemoryUsers } from './in-memory-users';

/** argon2id cheap enough for unit tests (a few milliseconds); production uses OWASP_ARGON2ID. */
export const CHEAP_ARGON2: Argon2Parameters = { memoryKiB: 1024, iterations: 1, parallelism: 1 };

export const TEST_ISSUER = 'https://halo.test';
export const TEST_AUDIENCE = 'https://halo.test/api';
export const ACCESS_TOKEN_TTL_SECONDS = 900;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
/** The default grace window: a rotated-out refresh token still yields its pair this long after rotation. */
export const REFRESH_REUSE_GRACE_SECONDS = 30;
export const SESSION_ABSOLUTE_LIFETIME_SECONDS = 90 * 24 * 60 * 60;
export const PENDING_SIGN_UP_SECONDS = 300;
export const MAX_SESSIONS_PER_USER = 50;
export const DEFAULT_CLIENT_ID = 'halo-test-client';

/** A clock that only moves when told to. */
export interface FakeClock {
  (): Date;
  advance(seconds: number): void;
}

export function fakeClock(start = new Date('2025-03-01T12:00:00.000Z')): FakeClock {
  let now = start.getTime();
  const clock = (() => new Date(now)) as FakeClock;
  clock.advance = (seconds) => {
    now += seconds * 1000;
  };
  return clock;
}

/** Counts every call into a PasswordHasher, to check that each path costs the same KDF work. */
export interface CountingHasher extends PasswordHasher {
  readonly calls: { hash: number; verify: number; verifyAgainstNothing: number };
}

export function countingHasher(inner: PasswordHasher): CountingHasher {
  const calls = { hash: 0, verify: 0, verifyAgainstNothing: 0 };
  return {
    calls,
    hash(password) {
      calls.hash++;
      return inner.hash(password);
    },
    verify(password, phc) {
      calls.verify++;
      return inner.verify(password, phc);
    },
    verifyAgainstNothing(password) {
      calls.verifyAgainstNothing++;
      return inner.verifyAgainstNothing(password);
    },
  };
}

export async function testSigningKeys(): Promise<SigningKeys> {
  return toSigningKeys({ keys: [await generateSigningKey()] });
}

export function testAccessTokens(keys: SigningKeys, ttlSeconds = ACCESS_TOKEN_TTL_SECONDS): AccessTokens {
  return createAccessTokens({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ttlSeconds }, async () => keys);
}

export interface AccountFixture {
  readonly deps: AccountDeps;
  readonly users: InMemoryUsers;
  readonly sessions: InMemorySessions;
  readonly passwords: CountingHasher;
  readonly clock: FakeClock;
  readonly signingKeys: SigningKeys;
}

/** Account use-case dependencies: in-memory repositories, cheap argon2id, real ES256 access tokens. */
export async function accountFixture(options: { hasher?: PasswordHasher; signingKeys?: SigningKeys } = {}): Promise<AccountFixture> {
  const users = createInMemoryUsers();
  const sessions = createInMemorySessions(users);
  const passwords = countingHasher(options.hasher ?? createPasswordHasher(CHEAP_ARGON2));
  const clock = fakeClock();
  const signingKeys = options.signingKeys ?? (await testSigningKeys());
  let nextId = 0;
  const deps: AccountDeps = {
    users,
    sessions,
    passwords,
    accessTokens: testAccessTokens(signingKeys),
    settings: {
      refreshTokenTtlSeconds: REFRESH_TOKEN_TTL_SECONDS,
      refreshReuseGraceSeconds: REFRESH_REUSE_GRACE_SECONDS,
      sessionAbsoluteLifetimeSeconds: SESSION_ABSOLUTE_LIFETIME_SECONDS,
      maxSessionsPerUser: MAX_SESSIONS_PER_USER,
      defaultClientId: DEFAULT_CLIENT_ID,
      pendingSignUpSeconds: PENDING_SIGN_UP_SECONDS,
      publicBaseUrl: 'https://halo.test',
    },
    clock,
    newId: () => `id-${++nextId}`,
  };
  return { deps, users, sessions, passwords, clock, signingKeys };
}

/** The deps of adding and removing identifiers over an account fixture, with in-memory sockets to see what they are told. */
export function identifierChangeFixture(fixture: AccountFixture) {
  const connections = createInMemoryConnections();
  const sockets = createFakeSocketSender();
  const identifiers = createInMemoryIdentifiers(fixture.users);
  const deps: IdentifierChangeDeps = { session: fixture.deps, identifiers, connections, sockets };
  return { deps, connections, sockets, identifiers };
}
