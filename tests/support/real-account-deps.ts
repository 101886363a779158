import { randomUUID } from 'node:crypto';
import type { AccountDeps } from '#lib/accounts/account-deps';
import { createPasswordHasher, type Argon2Parameters } from '#lib/passwords/password-hasher';
import { createSessionsRepository } from '#lib/storage/sessions-repository';
import { createUsersRepository } from '#lib/storage/users-repository';
import { createAccessTokens } from '#lib/tokens/access-tokens';
import { cachedSigningKeys, rotateKeySet } from '#lib/tokens/signing-keys';
import type { TestTable } from './test-table';

export const TEST_ISSUER = 'https://halo.test';

/** Cheap argon2id settings for tests that are about storage, not about the KDF. */
export const FAST_ARGON2: Argon2Parameters = { memoryKiB: 1024, iterations: 1, parallelism: 1 };

/** The real repositories and token code over a test table, with a clock the test controls. */
export function realAccountDeps(table: TestTable, options: { argon2?: Argon2Parameters; clock?: () => Date } = {}): AccountDeps {
  const keySet = rotateKeySet(undefined);
  return {
    users: createUsersRepository(table.db, table.tableName),
    sessions: createSessionsRepository(table.db, table.tableName),
    passwords: createPasswordHasher(options.argon2 ?? FAST_ARGON2),
    accessTokens: createAccessTokens(
      { issuer: TEST_ISSUER, audience: TEST_ISSUER, ttlSeconds: 900 },
      cachedSigningKeys({ read: () => keySet }),
    ),
    settings: { refreshTokenTtlSeconds: 30 * 24 * 3600, refreshReuseGraceSeconds: 30, sessionAbsoluteLifetimeSeconds: 90 * 24 * 3600, maxSessionsPerUser: 50, defaultClientId: 'test-client', pendingSignUpSeconds: 300, publicBaseUrl: TEST_ISSUER },
    clock: options.clock ?? (() => new Date()),
    newId: randomUUID,
  };
}
