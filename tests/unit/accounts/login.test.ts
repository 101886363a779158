import { login } from '#lib/accounts/login';
import { register } from '#lib/accounts/register';
import { createPasswordHasher } from '#lib/passwords/password-hasher';
import { CHEAP_ARGON2, accountFixture, countingHasher } from '#tests/support/account-fixture';
import { haloErrorOf } from '#tests/support/halo-error';

const PASSWORD = 'plum-lantern-orbit-47';

async function registeredFixture(identifier = 'alice@example.com') {
  const fixture = await accountFixture();
  const { user } = await register(fixture.deps, { identifier, password: PASSWORD });
  fixture.passwords.calls.hash = 0;
  return { ...fixture, userId: user.id };
}

describe('login', () => {
  it('starts a new session for the right password, whatever the spelling of the identifier', async () => {
    const { deps, sessions, clock, userId } = await registeredFixture('alice@example.com');
    const sessionsBefore = sessions.sessions.size;

    const { user, tokens } = await login(deps, { identifier: '  ALICE@example.com ', password: PASSWORD, clientId: 'cli' });

    expect(user).toMatchObject({ id: userId, identifier: 'alice@example.com', identifierType: 'email' });
    expect(user).not.toHaveProperty('passwordHash');
    expect(tokens.tokenType).toBe('Bearer');
    const claims = await deps.accessTokens.verify(tokens.accessToken, clock());
    expect(claims).toMatchObject({ userId, clientId: 'cli' });
    expect(sessions.sessions.size).toBe(sessionsBefore + 1);
  });

  it('answers an unknown identifier and a wrong password alike, after one password verification each', async () => {
    const unknown = await registeredFixture();
    const unknownError = await haloErrorOf(login(unknown.deps, { identifier: 'bob@example.com', password: PASSWORD }));
    expect(unknown.passwords.calls).toEqual({ hash: 0, verify: 0, verifyAgainstNothing: 1 });

    const wrong = await registeredFixture();
    const wrongError = await haloErrorOf(login(wrong.deps, { identifier: 'alice@example.com', password: 'not-the-password' }));
    expect(wrong.passwords.calls).toEqual({ hash: 0, verify: 1, verifyAgainstNothing: 0 });

    expect(unknownError.code).toBe('invalid_credentials');
    expect(wrongError.code).toBe(unknownError.code);
    expect(wrongError.fields).toEqual(unknownError.fields);
    expect(wrongError.message).toBe(unknownError.message);
    expect(unknownError.fields).toEqual({ credentials: 'the identifier or the password is wrong' });
  });

  it.each([
    ['a malformed identifier', { identifier: 'a@b', password: PASSWORD }],
    ['an empty identifier', { identifier: '', password: PASSWORD }],
    ['an empty password', { identifier: 'alice@example.com', password: '' }],
    ['a too-short password', { identifier: 'alice@example.com', password: 'short' }],
    ['a too-long password', { identifier: 'alice@example.com', password: 'x'.repeat(300) }],
  ])('answers %s with the same error, after the same work', async (_what, input) => {
    const { deps, passwords, sessions } = await registeredFixture();
    const sessionsBefore = sessions.sessions.size;
    const error = await haloErrorOf(login(deps, input));
    expect(error.code).toBe('invalid_credentials');
    expect(error.fields).toEqual({ credentials: 'the identifier or the password is wrong' });
    expect(passwords.calls).toEqual({ hash: 0, verify: 0, verifyAgainstNothing: 1 });
    expect(sessions.sessions.size).toBe(sessionsBefore);
  });

  it('refuses a user whose sign-up never completed', async () => {
    const { deps, users, passwords, userId } = await registeredFixture();
    const user = users.users.get(userId);
    if (!user) throw new Error('no user');
    users.users.set(userId, { ...user, status: 'pending' });

    const error = await haloErrorOf(login(deps, { identifier: 'alice@example.com', password: PASSWORD }));
    expect(error.code).toBe('invalid_credentials');
    expect(passwords.calls).toEqual({ hash: 0, verify: 0, verifyAgainstNothing: 1 });
  });

  it('rehashes a password stored with older parameters, once', async () => {
    const { deps, users, userId } = await registeredFixture();
    const oldHash = users.users.get(userId)?.passwordHash;
    expect(oldHash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);

    const upgraded = countingHasher(createPasswordHasher({ ...CHEAP_ARGON2, iterations: 2 }));
    const upgradedDeps = { ...deps, passwords: upgraded };
    await login(upgradedDeps, { identifier: 'alice@example.com', password: PASSWORD });

    const newHash = users.users.get(userId)?.passwordHash;
    expect(newHash).toMatch(/^\$argon2id\$v=19\$m=1024,t=2,p=1\$/);
    expect(upgraded.calls).toEqual({ hash: 1, verify: 1, verifyAgainstNothing: 0 });
    await expect(upgraded.verify(PASSWORD, newHash ?? '')).resolves.toEqual({ valid: true, needsRehash: false });

    await login(upgradedDeps, { identifier: 'alice@example.com', password: PASSWORD });
    expect(upgraded.calls.hash).toBe(1);
    expect(users.users.get(userId)?.passwordHash).toBe(newHash);
  });

  it('does not rehash on a wrong password', async () => {
    const { deps, users, userId } = await registeredFixture();
    const oldHash = users.users.get(userId)?.passwordHash;
    const upgraded = countingHasher(createPasswordHasher({ ...CHEAP_ARGON2, iterations: 2 }));
    await haloErrorOf(login({ ...deps, passwords: upgraded }, { identifier: 'alice@example.com', password: 'not-the-password' }));
    expect(upgraded.calls.hash).toBe(0);
    expect(users.users.get(userId)?.passwordHash).toBe(oldHash);
  });
});
