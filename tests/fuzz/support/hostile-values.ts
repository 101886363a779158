import { METHODS } from 'node:http';
import fc from 'fast-check';

/**
 * Generators of hostile input: the values a careless client, a confused proxy or an attacker sends.
 * Sizes are bounded (the largest bodies are a few MB, a few just over the gateway's 10 MB) so that a
 * property costs seconds, not minutes.
 */

/** Characters that break naive code: NUL, lone surrogates, RTL overrides, combining marks, emoji, BOM, … */
export const NASTY_CHARACTERS = [
  '\u0000',
  '\ud800', // a lone high surrogate: not encodable as UTF-8
  '\udfff', // a lone low surrogate
  '\u202e', // right-to-left override
  '\u200f', // right-to-left mark
  '\u200b', // zero-width space
  '\ufeff', // byte order mark
  'e\u0301\u0301\u0301\u0301', // stacked combining marks
  '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}', // one emoji grapheme of seven code points
  '\u{1F600}',
  'ǅ',
  'ﷺ', // one code point that renders as many characters
  '\u0085', // next line
  '\u2028', // line separator
  '\r\n',
  '%00',
  '%',
  '\\',
  '"',
  "'",
  '<script>',
  '${',
  '{{',
  '../',
] as const;

const nastyCharacter = fc.constantFrom(...NASTY_CHARACTERS);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Short strings from every corner of Unicode, lone surrogates and control characters included. */
export const unicodeString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.oneof(nastyCharacter, loneSurrogate, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 20 }),
  fc.constantFrom('', ' ', '\t', 'null', 'undefined', 'true', '0', '-1', 'NaN', '__proto__', 'constructor', 'toString', 'hasOwnProperty'),
);

/** A string of `length` UTF-16 units, cheap to build at any size. */
const sized = (length: number, unit: string) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

/** Long strings: just over the field limits, then up to a few MB (still within the gateway's 10 MB). */
export const longString = fc.oneof(
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => sized(n, 'a')),
  fc.tuple(fc.integer({ min: 16_000, max: 3 * 1024 * 1024 }), fc.constantFrom('a', 'é', '\u{1F600}', '\u0000', '"')).map(([n, unit]) => sized(n, unit)),
);

/** Any JSON value, with hostile strings in it, or none at all. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.dictionary(unicodeString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }) },
  { weight: 1, arbitrary: unicodeString },
  { weight: 1, arbitrary: fc.array(fc.anything({ maxDepth: 2 }).map((value) => JSON.parse(JSON.stringify(value ?? null)) as unknown), { maxLength: 4 }) },
  // Deep nesting, for parsers and validators that recurse.
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 50, max: 3_000 }), fc.boolean()).map(([depth, asObjects]) => JSON.parse(asObjects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown) },
);

/** A value of the wrong type (or the right type with a hostile value) for a string field. */
export const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: unicodeString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -0, 1e308, [], {}, [''], { $ne: null }, { toString: 'x' }) },
);

/** `{identifier, password}` with fields missing, extra, ill-typed or hostile. */
export const credentialsLike = fc.oneof(
  fc.record({ identifier: fieldValue, password: fieldValue }, { requiredKeys: [] }),
  fc.record({ identifier: unicodeString, password: unicodeString }),
  fc.tuple(fc.record({ identifier: unicodeString, password: unicodeString }), fc.dictionary(unicodeString, fieldValue, { maxKeys: 3 })).map(([known, extra]) => ({ ...extra, ...known })),
  anyJson,
);

/** Header values fetch will send: visible ASCII and Latin-1, no CR, LF or NUL (the raw-socket tests send those). */
export function headerTextOf(maxLength: number): fc.Arbitrary<string> {
  return fc.string({
    unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((code) => String.fromCharCode(code)),
    maxLength,
  });
}

const headerText = headerTextOf(60);

/** Content types: right, wrong, misleading, malformed, with odd parameters and charsets. */
export const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'APPLICATION/JSON',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16le',
    'application/json; charset=latin1',
    'application/json; charset="\u00e9"',
    'application/json;;;',
    'application/json; boundary=x',
    'application/problem+json',
    'application/vnd.halo+json; version=2',
    'application/jsonx',
    ' application/json ',
    'text/json',
    'text/plain',
    'text/html',
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=iso-8859-1',
    'multipart/form-data',
    'multipart/form-data; boundary=',
    'multipart/form-data; boundary=----x',
    'image/png',
    'image/svg+xml',
    'application/octet-stream',
    '*/*',
    ';',
    '',
  ),
  headerText,
);


/** Authorization headers that are not a good bearer token. */
export function bogusAuthorization(goodToken: string): fc.Arbitrary<string> {
  const flipped = fc.nat({ max: goodToken.length - 1 }).map((i) => `Bearer ${goodToken.slice(0, i)}${goodToken[i] === 'A' ? 'B' : 'A'}${goodToken.slice(i + 1)}`);
  const [header = '', payload = ''] = goodToken.split('.');
  return fc.oneof(
    fc.constantFrom(
      'Bearer',
      'Bearer ',
      'bearer',
      'Bearer  ',
      'Basic Og==',
      'Basic JSU6',
      'Digest username="x"',
      'Bearer a.b.c',
      'Bearer ....',
      'Bearer ===',
      `Bearer ${header}.${payload}.`, // signature stripped
      `Bearer ${header}.${payload}`, // two parts
      `Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.${payload}.`, // alg "none"
      `Bearer ${goodToken}${goodToken}`,
      `Bearer ${goodToken}.`,
      `Bearer ${goodToken} extra`,
      `${goodToken}`,
      `Token ${goodToken}`,
      `Bearer ${'A'.repeat(8_000)}`,
    ),
    flipped,
    headerText.map((text) => `Bearer ${text}`),
    headerText,
  );
}

/** Every method Node's HTTP parser accepts, except those fetch refuses to send (CONNECT, TRACE, TRACK). */
export const httpMethod = fc.constantFrom(...METHODS.filter((method) => !['CONNECT', 'TRACE', 'TRACK'].includes(method)));

const pathSegment = fc.oneof(
  fc.constantFrom('api', 'user', 'avatar', 'upload', 'avatars', 'oauth', 'token', 'docs', '.well-known', 'jwks.json', 'ws', '@connections', '..', '.', '', '%2e%2e', '%2F', '%00', '%ZZ', '%', '~', 'index.html'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map((text) => encodeURIComponent(text)),
  unicodeString.map((text) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '?'))),
  fc.integer({ min: 200, max: 2_000 }).map((n) => 'x'.repeat(n)),
);

/** Paths near Halo's routes and far from them, with odd escapes and query strings. */
export const requestPath = fc
  .tuple(
    fc.array(pathSegment, { minLength: 0, maxLength: 6 }),
    fc.option(fc.dictionary(fc.string({ maxLength: 10 }), unicodeString.map((text) => text.replace(/[\ud800-\udfff]/g, '')), { maxKeys: 3 }), { nil: undefined }),
  )
  .map(([segments, query]) => `/${segments.join('/')}${query ? `?${new URLSearchParams(query)}` : ''}`);

/** Random bytes, and text that is not valid UTF-8. */
export const garbageBytes = fc.oneof(
  fc.uint8Array({ maxLength: 4_096 }),
  fc.constantFrom(Buffer.from([0xff, 0xfe, 0x00]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from('{"a":"\u00e9"}', 'latin1')),
);

/**
 * A JSON object written as text, so that keys no object literal keeps survive: `__proto__`, duplicates,
 * `constructor`. (A generated object would lose or hide them before JSON.stringify saw them.)
 */
export const jsonObjectText = fc
  .array(fc.tuple(fc.oneof(unicodeString, fc.constantFrom('identifier', 'password', 'refreshToken', '__proto__', 'constructor')), fieldValue), { maxLength: 5 })
  .map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`);

/** An `application/x-www-form-urlencoded` body as text, with repeated, empty, prototype-named and badly escaped names. */
export const formText = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('grant_type', 'username', 'password', 'refresh_token', 'client_id', 'token', 'token_type_hint', 'scope', '__proto__', 'constructor', 'toString', ''), unicodeString),
      fc.oneof(fc.constantFrom('password', 'refresh_token', 'client_credentials', 'access_token', ''), unicodeString),
      fc.boolean(),
    ),
    { maxLength: 6 },
  )
  .map((pairs) =>
    pairs
      .map(([name, value, escaped]) => (escaped ? `${encodeURIComponent(name.replace(/[\ud800-\udfff]/g, '?'))}=${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '?'))}` : `${name}=${value}`))
      .join('&'),
  );
