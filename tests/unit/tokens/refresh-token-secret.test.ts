import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from '#lib/tokens/refresh-token-secret';

describe('newRefreshToken', () => {
  it('is 256 random bits in base64url (43 characters, no padding)', () => {
    const token = newRefreshToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('never repeats', () => {
    const tokens = new Set(Array.from({ length: 100 }, newRefreshToken));
    expect(tokens.size).toBe(100);
  });
});

describe('hashRefreshToken', () => {
  it('is the base64url SHA-256 of the token', () => {
    // FIPS 180-2 test vector: SHA-256("abc") = ba7816bf…15ad.
    expect(hashRefreshToken('abc')).toBe(Buffer.from('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'hex').toString('base64url'));
  });

  it('is stable for one token and differs between tokens', () => {
    const token = newRefreshToken();
    expect(hashRefreshToken(token)).toBe(hashRefreshToken(token));
    expect(hashRefreshToken(token)).not.toBe(hashRefreshToken(newRefreshToken()));
    expect(hashRefreshToken(token)).not.toBe(token);
  });
});

describe('looksLikeRefreshToken', () => {
  it('accepts what newRefreshToken makes', () => {
    expect(looksLikeRefreshToken(newRefreshToken())).toBe(true);
  });

  it.each([
    ['too short', 'a'.repeat(42)],
    ['too long', 'a'.repeat(44)],
    ['padded base64', `${'a'.repeat(42)}=`],
    ['standard base64 characters', `${'a'.repeat(42)}+`],
    ['a JWT', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl'],
    ['surrounding whitespace', ` ${'a'.repeat(43)}`],
    ['empty', ''],
  ])('refuses a token that is %s', (_what, token) => {
    expect(looksLikeRefreshToken(token)).toBe(false);
  });
});
