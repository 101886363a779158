import { checkFileSize, checkPolicyFields, decodePolicy } from '#local/s3-auth/post-policy';
import { S3Error } from '#local/s3-auth/s3-error';

const NOW = new Date('2026-12-03T10:00:00Z');
const policy = (conditions: unknown[], expiration = '2026-12-03T10:10:00.000Z') =>
  decodePolicy(Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64'));
const fields = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([name, value]) => [name.toLowerCase(), value]));

/** The S3Error a check throws, as `status code message`, or 'ok'. */
function outcome(check: () => void): string {
  try {
    check();
    return 'ok';
  } catch (error) {
    if (!(error instanceof S3Error)) throw error;
    return `${error.status} ${error.code} ${error.message}`;
  }
}
const withFields = (conditions: unknown[], entries: Record<string, string>, bucket = 'b') =>
  outcome(() => checkPolicyFields(policy(conditions), fields(entries), bucket, NOW));

describe('POST policy conditions (sigv4-HTTPPOSTConstructPolicy)', () => {
  it('exact match, object form: the field must equal the value, compared exactly; names case-insensitively', () => {
    expect(withFields([{ key: 'uploads/a' }], { key: 'uploads/a' })).toBe('ok');
    expect(withFields([{ Key: 'uploads/a' }], { KEY: 'uploads/a' })).toBe('ok');
    expect(withFields([{ key: 'uploads/a' }], { key: 'uploads/A' })).toBe('403 AccessDenied Invalid according to Policy: Policy Condition failed: ["eq", "$key", "uploads/a"]');
    expect(withFields([{ key: 'uploads/a' }], {})).toMatch(/^403 AccessDenied .*Policy Condition failed/);
  });

  it('eq: the same as the object form', () => {
    expect(withFields([['eq', '$acl', 'private']], { acl: 'private' })).toBe('ok');
    expect(withFields([['eq', '$acl', 'private']], { acl: 'public-read' })).toBe('403 AccessDenied Invalid according to Policy: Policy Condition failed: ["eq", "$acl", "private"]');
  });

  it('starts-with: a prefix; the empty prefix allows any value, but the field must be sent', () => {
    expect(withFields([['starts-with', '$key', 'uploads/u1/']], { key: 'uploads/u1/x' })).toBe('ok');
    expect(withFields([['starts-with', '$key', 'uploads/u1/']], { key: 'uploads/u2/x' })).toBe(
      '403 AccessDenied Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/u1/"]',
    );
    expect(withFields([['starts-with', '$Content-Type', '']], { 'Content-Type': 'anything/at-all' })).toBe('ok');
    expect(withFields([['starts-with', '$Content-Type', ''], { key: 'k' }], { key: 'k' })).toMatch(/Policy Condition failed: \["starts-with", "\$content-type", ""\]/);
  });

  it('bucket: matched against the bucket the form is posted to', () => {
    expect(withFields([{ bucket: 'b' }], {}, 'b')).toBe('ok');
    expect(withFields([{ bucket: 'b' }], {}, 'other')).toBe('403 AccessDenied Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "b"]');
  });

  it('x-amz-* fields are conditions like any other (credential, algorithm, date, meta)', () => {
    const signed = [{ 'X-Amz-Credential': 'K/20261203/us-east-1/s3/aws4_request' }, { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' }, { 'X-Amz-Date': '20261203T100000Z' }];
    const sent = { 'X-Amz-Credential': 'K/20261203/us-east-1/s3/aws4_request', 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Date': '20261203T100000Z' };
    expect(withFields(signed, sent)).toBe('ok');
    expect(withFields(signed, { ...sent, 'X-Amz-Date': '20261203T100001Z' })).toMatch(/Policy Condition failed: \["eq", "\$x-amz-date", "20261203T100000Z"\]/);
  });

  it('every form field but x-amz-signature, file, policy and x-ignore-* must be named by a condition', () => {
    expect(withFields([{ key: 'k' }], { key: 'k', policy: 'p', 'x-amz-signature': 's', 'x-ignore-me': 'whatever' })).toBe('ok');
    expect(withFields([{ key: 'k' }], { key: 'k', 'x-amz-meta-owner': 'o', acl: 'public-read' })).toBe(
      '403 AccessDenied Invalid according to Policy: Extra input fields: x-amz-meta-owner, acl',
    );
    // content-length-range names no field.
    expect(withFields([['content-length-range', 1, 5]], { 'content-length-range': '3' })).toMatch(/Extra input fields: content-length-range/);
  });

  it('content-length-range: EntityTooSmall below, EntityTooLarge above, both ends allowed', () => {
    const range = policy([['content-length-range', 1, 10]]);
    expect(outcome(() => checkFileSize(range, 1))).toBe('ok');
    expect(outcome(() => checkFileSize(range, 10))).toBe('ok');
    expect(outcome(() => checkFileSize(range, 0))).toBe('400 EntityTooSmall Your proposed upload is smaller than the minimum allowed size');
    expect(outcome(() => checkFileSize(range, 11))).toBe('400 EntityTooLarge Your proposed upload exceeds the maximum allowed size');
  });

  it('refuses an expired policy', () => {
    expect(outcome(() => checkPolicyFields(policy([], '2026-12-03T09:59:59.000Z'), fields({}), 'b', NOW))).toBe('403 AccessDenied Invalid according to Policy: Policy expired.');
    expect(outcome(() => checkPolicyFields(policy([], '2026-12-03T10:00:00.000Z'), fields({}), 'b', NOW))).toBe('ok');
  });

  it('refuses what is not a policy document with InvalidPolicyDocument', () => {
    const raw = (text: string) => outcome(() => decodePolicy(Buffer.from(text).toString('base64')));
    expect(outcome(() => decodePolicy('not base64!'))).toMatch(/^400 InvalidPolicyDocument/);
    expect(raw('{not json')).toBe('400 InvalidPolicyDocument Invalid Policy: Invalid JSON.');
    expect(raw('{"conditions":[]}')).toBe('400 InvalidPolicyDocument Invalid Policy: Policy missing expiration.');
    expect(raw('{"expiration":"2026-12-03T10:00:00Z"}')).toBe('400 InvalidPolicyDocument Invalid Policy: Policy missing conditions.');
    expect(raw('{"expiration":"tomorrow","conditions":[]}')).toMatch(/^400 InvalidPolicyDocument Invalid Policy: Invalid 'expiration'/);
    expect(raw('{"expiration":"2026-12-03T10:00:00Z","conditions":[["matches","$key","x"]]}')).toMatch(/^400 InvalidPolicyDocument Invalid Policy: Invalid Condition/);
    expect(raw('{"expiration":"2026-12-03T10:00:00Z","conditions":[["content-length-range",10,1]]}')).toMatch(/^400 InvalidPolicyDocument/);
  });
});
