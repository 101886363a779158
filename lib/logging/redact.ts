/**
 * Scrubs secrets from anything about to be logged. Two nets, because either alone has holes:
 * - by field name: a value under `password`, `authorization`, `refresh_token`, `body`, … is replaced
 *   whatever it holds (request bodies are dropped whole: on the credential routes they ARE the secret);
 * - by shape, inside every string (messages, stacks, causes, query strings, inspected objects): JWTs,
 *   refresh-token-shaped strings, Bearer/Basic credentials, `name=value` and `"name": "value"` pairs
 *   of secret names, SigV4 signatures and PEM private keys.
 * A password has no shape, so it is kept out by the first net: nothing in Halo logs a request body or a
 * credential field by another name.
 */
export const REDACTED = '[redacted]';

/** Field names compared lower-case with `-` and `_` removed, so `X-Amz-Signature`, `refresh_token` and `refreshToken` all match. */
const SECRET_FIELDS = new Set([
  'password',
  'newpassword',
  'currentpassword',
  'oldpassword',
  'passwd',
  'passphrase',
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'sessiontoken',
  'authorization',
  'proxyauthorization',
  'cookie',
  'cookies',
  'setcookie',
  // The WebSocket handshake carries the access token as a subprotocol.
  'secwebsocketprotocol',
  'signature',
  'xamzsignature',
  'xamzsecuritytoken',
  'xamzcredential',
  'secretaccesskey',
  'secretstring',
  'secretbinary',
  'privatekey',
  'signingkey',
  'body',
  'rawbody',
  // zod issues carry the offending value as `input` (validate() asks for it): it may be a password.
  'input',
]);

/** The private members of a JWK (RFC 7518 §6): dropped from any object that has a `kty`. */
const JWK_PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

export const isSecretField = (name: string): boolean => SECRET_FIELDS.has(name.toLowerCase().replace(/[-_]/g, ''));

const SECRET_NAME =
  'pass(?:word|wd|phrase)|(?:new|current|old)[-_]?password|(?:access|refresh|id|session)[-_]?token|token|client[-_]?secret|' +
  'authorization|x-amz-(?:signature|security-token|credential)|signature';
const B64URL = 'A-Za-z0-9_-';

/** [pattern, replacement], applied in order to every string. */
const SHAPES: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted:private-key]'],
  // JWS (3 parts) and JWE (5 parts) compact serialisations: the header is base64url JSON, so "eyJ".
  // Only at the start of a base64url run, so that a long hostile run costs linear time, not quadratic.
  [new RegExp(`(?<![${B64URL}])eyJ[${B64URL}]*\\.[${B64URL}]*\\.[${B64URL}]*(?:\\.[${B64URL}]*\\.[${B64URL}]*)?`, 'g'), '[redacted:jwt]'],
  [/\b(Bearer|Basic)(\s+|%20|\+)[A-Za-z0-9._~+/=%-]+/gi, `$1$2${REDACTED}`],
  // name=value in query strings, form bodies and SigV4 Authorization headers (also percent-encoded).
  [new RegExp(`(?<![A-Za-z0-9])(${SECRET_NAME})(=|%3D)[^&\\s"'<>,;]*`, 'gi'), `$1$2${REDACTED}`],
  // "name": "value" in JSON text and name: 'value' in util.inspect output. Values are bounded (a password
  // is at most 256 characters) so that many unclosed quotes cannot make this quadratic.
  [new RegExp(`(["']?)(${SECRET_NAME})\\1(\\s*[:=]\\s*)(["'\`])(?:(?!\\4)[^\\\\]|\\\\.){0,1024}\\4`, 'gi'), `$1$2$1$3$4${REDACTED}$4`],
  // A SigV4 signature (64 hex digits) after its name, however it is written down.
  [/((?:x-amz-)?signature["']?\s*[:=]\s*["']?)[0-9a-f]{64}/gi, `$1${REDACTED}`],
  // Refresh tokens (lib/tokens/refresh-token-secret.ts): 256 bits as 43 base64url characters.
  [new RegExp(`(?<![${B64URL}])[${B64URL}]{43}(?![${B64URL}])`, 'g'), '[redacted:opaque-token]'],
];

export function redactText(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of SHAPES) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}

const MAX_DEPTH = 12;

/** A scrubbed deep copy, for loggers that print objects themselves (console): Errors stay Errors, so they still print with their stack. */
export function redact(value: unknown): unknown {
  return copy(value, 0, new WeakSet());
}

function copy(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null || value instanceof Date) return value;
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof URL) return redactText(value.href);
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  if (value instanceof Error) return copyError(value, depth, seen);
  if (Array.isArray(value)) return value.map((item) => copy(item, depth + 1, seen));
  const entries = Object.entries(value).map(([key, item]) => [redactText(key), isSecretField(key) ? REDACTED : copy(item, depth + 1, seen)]);
  return withoutJwkSecrets(Object.fromEntries(entries));
}

function copyError(error: Error, depth: number, seen: WeakSet<object>): Error {
  const clone = new Error(redactText(error.message));
  Object.setPrototypeOf(clone, Object.getPrototypeOf(error));
  if (Object.hasOwn(error, 'name')) clone.name = redactText(String(error.name));
  clone.stack = error.stack === undefined ? undefined : redactText(error.stack);
  if (error.cause !== undefined) clone.cause = copy(error.cause, depth + 1, seen);
  if (error instanceof AggregateError) Object.assign(clone, { errors: copy(error.errors, depth + 1, seen) });
  for (const [key, item] of Object.entries(error)) {
    (clone as unknown as Record<string, unknown>)[redactText(key)] = isSecretField(key) ? REDACTED : copy(item, depth + 1, seen);
  }
  return clone;
}

function withoutJwkSecrets<T extends object>(value: T): T {
  if (!('kty' in value)) return value;
  const record = value as Record<string, unknown>;
  for (const member of JWK_PRIVATE_MEMBERS) if (member in record) record[member] = REDACTED;
  return value;
}

/**
 * The same rules as a JSON.stringify replacer, for Powertools Logger (`jsonReplacerFn`): it is called for
 * every key and value of the final log entry, including the fields Powertools extracts from Errors and
 * their causes, so nothing reaches the output without passing through here.
 */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== '' && isSecretField(key) && value !== undefined) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null || value instanceof Error || Array.isArray(value)) return value;
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  // Buffers reach a replacer already turned into { type: 'Buffer', data: [...] } by their toJSON.
  if ((value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return `[${(value as { data: unknown[] }).data.length} bytes]`;
  }
  const keys = Object.keys(value);
  const needsCopy = 'kty' in value || keys.some((name) => redactText(name) !== name);
  if (!needsCopy) return value;
  const entries = keys.map((name) => [redactText(name), (value as Record<string, unknown>)[name]]);
  return withoutJwkSecrets(Object.fromEntries(entries));
}
