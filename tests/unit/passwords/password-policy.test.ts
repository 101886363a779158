import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  assertAcceptablePassword,
  assertPasswordLength,
} from '#lib/passwords/password-policy';
import { isCommonPassword } from '#lib/passwords/common-passwords';
import { expectHaloError } from '#tests/support/halo-error';

const UNCOMMON = 'plum-lantern-orbit-47';

describe('assertPasswordLength', () => {
  it(`refuses fewer than ${MIN_PASSWORD_LENGTH} characters as weak`, async () => {
    await expectHaloError(() => assertPasswordLength('a'.repeat(MIN_PASSWORD_LENGTH - 1)), 'weak_password', {
      password: 'must be at least 8 characters',
    });
    expect(() => assertPasswordLength('a'.repeat(MIN_PASSWORD_LENGTH))).not.toThrow();
  });

  it(`refuses more than ${MAX_PASSWORD_LENGTH} characters as an invalid request`, async () => {
    expect(() => assertPasswordLength('a'.repeat(MAX_PASSWORD_LENGTH))).not.toThrow();
    await expectHaloError(() => assertPasswordLength('a'.repeat(MAX_PASSWORD_LENGTH + 1)), 'invalid_request', {
      password: 'must be at most 256 characters',
    });
  });

  it('counts code points, not UTF-16 units', async () => {
    const emoji = '🔑'; // one code point, two UTF-16 units
    // 7 emoji are 14 UTF-16 units but still too short.
    await expectHaloError(() => assertPasswordLength(emoji.repeat(7)), 'weak_password');
    // 256 emoji are 512 UTF-16 units but within the cap; 257 are not.
    expect(() => assertPasswordLength(emoji.repeat(MAX_PASSWORD_LENGTH))).not.toThrow();
    await expectHaloError(() => assertPasswordLength(emoji.repeat(MAX_PASSWORD_LENGTH + 1)), 'invalid_request');
  });
});

describe('assertAcceptablePassword', () => {
  it('accepts a long uncommon password', async () => {
    await expect(assertAcceptablePassword(UNCOMMON, 'alice@example.com')).resolves.toBeUndefined();
  });

  it('applies the length rules', async () => {
    await expectHaloError(assertAcceptablePassword('short', 'alice'), 'weak_password');
    await expectHaloError(assertAcceptablePassword('x'.repeat(257), 'alice'), 'invalid_request');
  });

  it.each(['password1', 'Password1', 'PASSWORD123', 'iloveyou', 'Qwerty123'])(
    'refuses the common password %j whatever its case',
    async (password) => {
      expect(await isCommonPassword(password.toLowerCase())).toBe(true); // the premise: it is on the list
      await expectHaloError(assertAcceptablePassword(password, 'alice'), 'weak_password', {
        password: 'is one of the most commonly used passwords; choose another',
      });
    },
  );

  it('does not find an uncommon password on the list', async () => {
    expect(await isCommonPassword(UNCOMMON)).toBe(false);
  });

  it.each([
    ['an email', 'Alice.Smith@Example.com', 'alice.smith@example.com'],
    ['a phone number', '+14155552671', '+14155552671'],
    ['a nickname', 'SuperAlice', 'superalice'],
  ])('refuses a password equal to %s identifier, ignoring case', async (_what, password, key) => {
    await expectHaloError(assertAcceptablePassword(password, key), 'weak_password', {
      password: 'must not be the same as the identifier',
    });
  });
});
