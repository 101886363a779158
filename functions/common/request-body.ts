import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { safeParse, type core } from 'zod/mini';
import { HaloError } from '#lib/errors';

/** JSON and form bodies of Halo's own routes are small; anything bigger is refused before parsing. */
export const MAX_BODY_BYTES = 16 * 1024;

function rawBody(event: APIGatewayProxyEventV2): string {
  const bytes = event.body === undefined ? 0 : Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes > MAX_BODY_BYTES) throw new HaloError('payload_too_large', { body: `must be at most ${MAX_BODY_BYTES} bytes` });
  const text = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : (event.body ?? '');
  return text;
}

const mediaType = (event: APIGatewayProxyEventV2) => (event.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();

/** Written here rather than taken from middy's parser, which answers malformed JSON with 415 instead of 400. */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  const type = mediaType(event);
  if (type !== 'application/json' && !type?.endsWith('+json')) {
    throw new HaloError('unsupported_media_type', { 'content-type': 'must be application/json' });
  }
  const text = rawBody(event);
  if (text.trim() === '') throw new HaloError('invalid_request', { body: 'must be a JSON object' });
  try {
    return JSON.parse(text);
  } catch {
    throw new HaloError('invalid_request', { body: 'is not valid JSON' });
  }
}

/** RFC 6749 §3.2: form-encoded, and a parameter sent twice is an error, not an array. */
export function formBody(event: APIGatewayProxyEventV2): Record<string, string> {
  if (mediaType(event) !== 'application/x-www-form-urlencoded') {
    throw new HaloError('invalid_request', { 'content-type': 'must be application/x-www-form-urlencoded' });
  }
  // A Map, not `{}`: a parameter named `constructor` or `__proto__` is a parameter like any other.
  const form = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawBody(event))) {
    if (form.has(name)) throw new HaloError('invalid_request', { [name]: 'must not be repeated' });
    form.set(name, value);
  }
  return Object.fromEntries(form);
}

/** Validates against a zod schema (mini or classic); each problem becomes JSend `fail` data keyed by the field at fault. */
export function validate<T>(schema: core.$ZodType<T>, value: unknown): T {
  // zod 4 leaves `input` out of issues unless asked, and `describe` needs it to tell missing from ill-typed.
  const result = safeParse(schema, value, { reportInput: true });
  if (result.success) return result.data;
  // A Map, not `{}`: an unexpected key named `__proto__` must be named too, not swallowed by the prototype.
  const fields = new Map<string, string>();
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields.set(key, 'is not an accepted field');
      continue;
    }
    const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
    if (!fields.has(field)) fields.set(field, describe(issue));
  }
  throw new HaloError('invalid_request', Object.fromEntries(fields));
}

function describe(issue: core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? 'is required' : `must be ${issue.expected === 'object' ? 'a JSON object' : `a ${issue.expected}`}`;
  }
  return issue.message;
}
