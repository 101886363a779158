import { accessDenied, S3Error } from './s3-error';

/**
 * The POST policy of a browser form upload, evaluated as S3 evaluates it:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 *
 * - `expiration` (ISO 8601) and `conditions` are both required; after `expiration` the policy is refused.
 * - A condition is an exact match `{"field": "value"}` or `["eq", "$field", "value"]`, a prefix match
 *   `["starts-with", "$field", "prefix"]` (an empty prefix allows any value, but the field must be sent), or
 *   `["content-length-range", min, max]` on the file's size. Field names compare case-insensitively, values
 *   exactly. `bucket` is matched against the bucket the form is posted to.
 * - Every form field except `x-amz-signature`, `file`, `policy` and those named `x-ignore-*` must be named
 *   by at least one condition ("Each form field that you specify in a form (except x-amz-signature, file,
 *   policy, and field names that have an x-ignore- prefix) must appear in the list of conditions").
 *
 * Failures are S3's: AccessDenied "Invalid according to Policy: …" (403), InvalidPolicyDocument (400) for a
 * policy that is not one, EntityTooSmall / EntityTooLarge (400) for the size.
 */
export interface PostPolicy {
  readonly expiration: Date;
  readonly conditions: readonly Condition[];
}

export type Condition =
  | { readonly kind: 'eq' | 'starts-with'; readonly field: string; readonly value: string }
  | { readonly kind: 'content-length-range'; readonly min: number; readonly max: number };

/** Fields a form may send without a condition naming them. */
const EXEMPT_FIELDS = new Set(['x-amz-signature', 'file', 'policy']);
const isExempt = (field: string) => EXEMPT_FIELDS.has(field) || field.startsWith('x-ignore-');

const invalidPolicy = (message: string) => new S3Error(400, 'InvalidPolicyDocument', `Invalid Policy: ${message}`);

/** `["eq", "$key", "a"]` → `eq key a`; `$` is optional in the field name as S3 accepts it. */
const fieldName = (name: unknown): string | undefined => (typeof name === 'string' && name.length > 0 ? name.replace(/^\$/, '').toLowerCase() : undefined);

function parseCondition(raw: unknown): Condition[] {
  if (Array.isArray(raw)) {
    const [operator, first, second] = raw as unknown[];
    const op = typeof operator === 'string' ? operator.toLowerCase() : operator;
    if (op === 'content-length-range') {
      const [min, max] = [Number(first), Number(second)];
      if (raw.length !== 3 || !Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min) {
        throw invalidPolicy(`Invalid content-length-range condition: ${JSON.stringify(raw)}`);
      }
      return [{ kind: 'content-length-range', min, max}];
    }
    if ((op === 'eq' || op === 'starts-with') && raw.length === 3 && typeof first === 'string' && first.startsWith('$') && typeof second === 'string') {
      const field = fieldName(first);
      if (field) return [{ kind: op, field, value: second}];
    }
    throw invalidPolicy(`Invalid Condition: ${JSON.stringify(raw)}`);
  }
  if (raw !== null && typeof raw === 'object') {
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.length === 0) throw invalidPolicy('Invalid Condition: {}');
    return entries.map(([name, value]) => {
      const field = fieldName(name);
      if (!field || typeof value !== 'string') throw invalidPolicy(`Invalid Condition: ${JSON.stringify(raw)}`);
      return { kind: 'eq', field, value };
    });
  }
  throw invalidPolicy(`Invalid Condition: ${JSON.stringify(raw)}`);
}

/** The `policy` form field: base64 of a UTF-8 JSON document. */
export function decodePolicy(base64: string): PostPolicy {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64.trim()) || base64.trim().length % 4 !== 0) throw invalidPolicy('Invalid Base64 encoding.');
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw invalidPolicy('Invalid JSON.');
  const { expiration, conditions } = document as { expiration?: unknown; conditions?: unknown };
  if (expiration === undefined) throw invalidPolicy('Policy missing expiration.');
  const expires = typeof expiration === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(expiration) ? new Date(expiration) : undefined;
  if (!expires || Number.isNaN(expires.getTime())) throw invalidPolicy(`Invalid 'expiration' value: '${String(expiration)}'`);
  if (conditions === undefined) throw invalidPolicy('Policy missing conditions.');
  if (!Array.isArray(conditions)) throw invalidPolicy('Invalid \'conditions\' value: must be a list.');
  return { expiration: expires, conditions: conditions.flatMap(parseCondition) };
}

/** As S3 quotes a failed condition: `["eq", "$key", "uploads/…"]`, whichever form the policy used. */
const describe = (condition: Condition) =>
  condition.kind === 'content-length-range'
    ? `["content-length-range", ${condition.min}, ${condition.max}]`
    : `["${condition.kind}", "$${condition.field}", ${JSON.stringify(condition.value)}]`;
const failed = (condition: Condition) => accessDenied(`Invalid according to Policy: Policy Condition failed: ${describe(condition)}`);

/**
 * Checks the form's fields (names lower-cased) against the policy, before the file's size is known.
 * `bucket` is the bucket the form was posted to.
 */
export function checkPolicyFields(policy: PostPolicy, fields: ReadonlyMap<string, string>, bucket: string, now: Date): void {
  if (now.getTime() > policy.expiration.getTime()) throw accessDenied('Invalid according to Policy: Policy expired.');
  // `bucket` is the bucket the form is posted to (where the object would go), whatever a form field says.
  const valueOf = (field: string) => (field === 'bucket' ? bucket : fields.get(field));
  for (const condition of policy.conditions) {
    if (condition.kind === 'content-length-range') continue;
    const value = valueOf(condition.field);
    const holds = value !== undefined && (condition.kind === 'eq' ? value === condition.value : value.startsWith(condition.value));
    if (!holds) throw failed(condition);
  }
  const named = new Set(policy.conditions.flatMap((condition) => (condition.kind === 'content-length-range' ? [] : [condition.field])));
  const extra = [...fields.keys()].filter((field) => !isExempt(field) && !named.has(field));
  if (extra.length > 0) throw accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
}

/** The file's size against every `content-length-range` condition. */
export function checkFileSize(policy: PostPolicy, size: number): void {
  for (const condition of policy.conditions) {
    if (condition.kind !== 'content-length-range') continue;
    if (size < condition.min) {
      throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', { ProposedSize: size, MinSizeAllowed: condition.min });
    }
    if (size > condition.max) {
      throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: size, MaxSizeAllowed: condition.max });
    }
  }
}
