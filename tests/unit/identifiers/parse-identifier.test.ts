import { parseIdentifier } from '#lib/identifiers/parse-identifier';
import { expectHaloError } from '#tests/support/halo-error';

const NOT_AN_EMAIL = { identifier: 'is not a valid email address' };
const NOT_A_PHONE = { identifier: 'is not a valid phone number' };
const NOT_INTERNATIONAL = {
  identifier: 'phone numbers must be in international format with a country code, e.g. +14155550123',
};
const NOT_A_NICKNAME = {
  identifier: 'nicknames are 3 to 32 characters from a-z, 0-9, "_", "." and "-", starting with a letter',
};

/** An address of exactly `length` characters: a 64-character local part and 63-character DNS labels. */
function emailOfLength(length: number): string {
  const local = 'a'.repeat(64);
  const tld = '.com';
  let domain = '';
  let remaining = length - local.length - 1 - tld.length;
  while (remaining > 0) {
    const label = Math.min(63, remaining - (domain ? 1 : 0));
    domain += (domain ? '.' : '') + 'b'.repeat(label);
    remaining = length - local.length - 1 - tld.length - domain.length;
  }
  return `${local}@${domain}${tld}`;
}

describe('parseIdentifier: input bounds', () => {
  it.each(['', '   ', '\t\n'])('refuses an empty identifier (%j)', async (raw) => {
    await expectHaloError(() => parseIdentifier(raw), 'invalid_request', { identifier: 'must not be empty' });
  });

  it('refuses more than 320 characters before any other check', async () => {
    await expectHaloError(() => parseIdentifier(`${'a'.repeat(310)}@example.com`), 'invalid_request', {
      identifier: 'must be at most 320 characters',
    });
  });

  it('trims surrounding whitespace', async () => {
    expect(await parseIdentifier('  alice  ')).toEqual({ type: 'nickname', display: 'alice', key: 'alice' });
  });
});

describe('parseIdentifier: emails', () => {
  it('lower-cases the whole address for display and key', async () => {
    expect(await parseIdentifier('Alice.Smith@Example.COM')).toEqual({
      type: 'email',
      display: 'alice.smith@example.com',
      key: 'alice.smith@example.com',
    });
  });

  it('stores an IDN domain in punycode, so its Unicode and ASCII spellings are one account', async () => {
    const unicode = await parseIdentifier('hans@bücher.de');
    const upper = await parseIdentifier('Hans@BÜCHER.de');
    const ascii = await parseIdentifier('hans@xn--bcher-kva.de');
    expect(unicode.key).toBe('hans@xn--bcher-kva.de');
    expect(upper.key).toBe(unicode.key);
    expect(ascii.key).toBe(unicode.key);
  });

  it('folds fullwidth characters (NFKC) before deciding', async () => {
    expect((await parseIdentifier('ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ')).key).toBe('alice@example.com');
  });

  it.each(['a@b', '@example.com', 'alice@', 'a b@example.com', 'alice@-bad-.com', 'alice@exa_mple.com', 'a@b@example.com'])(
    'refuses %j',
    async (raw) => {
      await expectHaloError(() => parseIdentifier(raw), 'invalid_request', NOT_AN_EMAIL);
    },
  );

  it('accepts 254 characters and refuses 255 (RFC 5321 path limit)', async () => {
    const longest = emailOfLength(254);
    expect(longest).toHaveLength(254);
    expect((await parseIdentifier(longest)).key).toBe(longest);

    const tooLong = emailOfLength(255);
    expect(tooLong).toHaveLength(255);
    await expectHaloError(() => parseIdentifier(tooLong), 'invalid_request', NOT_AN_EMAIL);
  });
});

describe('parseIdentifier: phone numbers', () => {
  it.each(['+14155552671', '+1 415 555 2671', '+1 (415) 555-2671', '+1.415.555.2671', '001 415 555 2671', '+１ ４１５ ５５５ ２６７１'])(
    'gives %j the E.164 key +14155552671',
    async (raw) => {
      expect(await parseIdentifier(raw)).toEqual({ type: 'phone', display: '+14155552671', key: '+14155552671' });
    },
  );

  it('reads a "00" international prefix as "+"', async () => {
    expect((await parseIdentifier('0044 20 7946 0958')).key).toBe((await parseIdentifier('+44 20 7946 0958')).key);
    expect((await parseIdentifier('0044 20 7946 0958')).key).toBe('+442079460958');
  });

  it.each(['4155552671', '(415) 555-2671', '12345'])('asks for the international format when %j has no "+"', async (raw) => {
    await expectHaloError(() => parseIdentifier(raw), 'invalid_request', NOT_INTERNATIONAL);
  });

  it.each(['+1 415', '+999 123456789', '00441234', '+1 555 555 55555555'])('refuses the invalid number %j', async (raw) => {
    await expectHaloError(() => parseIdentifier(raw), 'invalid_request', NOT_A_PHONE);
  });
});

describe('parseIdentifier: nicknames', () => {
  it('keeps the case for display and decides uniqueness case-insensitively', async () => {
    const mixed = await parseIdentifier('AliceW');
    expect(mixed).toEqual({ type: 'nickname', display: 'AliceW', key: 'alicew' });
    expect((await parseIdentifier('ALICEW')).key).toBe(mixed.key);
  });

  it('folds fullwidth "ａｄｍｉｎ" (NFKC) to the key of "admin"', async () => {
    const fullwidth = await parseIdentifier('ａｄｍｉｎ');
    expect(fullwidth).toEqual({ type: 'nickname', display: 'admin', key: 'admin' });
    expect(fullwidth.key).toBe((await parseIdentifier('admin')).key);
  });

  it.each([
    ['Cyrillic а (U+0430)', '\u0430dmin'],
    ['Greek ο (U+03BF)', 'r\u03BFot'],
    ['a zero-width space', 'ad\u200Bmin'],
    ['a trailing zero-width joiner', 'admin\u200D'],
    ['a zero-width non-joiner', 'adm\u200Cin'],
  ])('refuses a look-alike with %s', async (_what, raw) => {
    await expectHaloError(() => parseIdentifier(raw), 'invalid_request', NOT_A_NICKNAME);
  });

  it('accepts 3 to 32 characters', async () => {
    expect((await parseIdentifier('abc')).key).toBe('abc');
    expect((await parseIdentifier(`a${'b'.repeat(31)}`)).key).toHaveLength(32);
    await expectHaloError(() => parseIdentifier('ab'), 'invalid_request', NOT_A_NICKNAME);
    await expectHaloError(() => parseIdentifier(`a${'b'.repeat(32)}`), 'invalid_request', NOT_A_NICKNAME);
  });

  it('allows digits, "_", "." and "-" after a leading letter', async () => {
    expect((await parseIdentifier('a1_b.c-d')).display).toBe('a1_b.c-d');
  });

  it.each(['_alice', '.alice', '-alice', '1alice', 'alice!', 'al ice'])('refuses %j', async (raw) => {
    await expectHaloError(() => parseIdentifier(raw), 'invalid_request', NOT_A_NICKNAME);
  });

  it('treats a string of digits as a phone number, never as a nickname', async () => {
    await expectHaloError(() => parseIdentifier('123456789'), 'invalid_request', NOT_INTERNATIONAL);
    expect((await parseIdentifier('+4915112345678')).type).toBe('phone');
  });
});
