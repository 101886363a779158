import { jest } from '@jest/globals';

// Counts the KDF's hashing runs: an unknown-identifier login must cost one verification and nothing more,
// on the first call of a warm instance too (a decoy hashed on first use cost that call a second run).
const hashRuns = { count: 0 };
jest.unstable_mockModule('#lib/passwords/argon2', async () => {
  const actual = await import('hash-wasm');
  return {
    argon2Verify: actual.argon2Verify,
    argon2id: (...args: Parameters<typeof actual.argon2id>) => {
      hashRuns.count++;
      return actual.argon2id(...args);
    },
  };
});

const { createPasswordHasher } = await import('#lib/passwords/password-hasher');
const { CHEAP_ARGON2 } = await import('#tests/support/account-fixture');

describe('the decoy hash for unknown identifiers', () => {
  it('is ready before the first unknown-identifier login: verifying against it runs no hashing', async () => {
    const hasher = createPasswordHasher(CHEAP_ARGON2);
    await hasher.verifyAgainstNothing('plum-lantern-orbit-47');
    await hasher.verifyAgainstNothing('');
    expect(hashRuns.count).toBe(0);
  });
});
