import type { IncomingHttpHeaders } from 'node:http';
import busboy from 'busboy';
import { checkFileSize, checkPolicyFields, decodePolicy } from './post-policy';
import { accessDenied, invalidArgument, S3Error, signatureDoesNotMatch } from './s3-error';
import { ALGORITHM, parseAmzDate, parseCredential, sameSignature, secretFor, signString, type SigV4Settings } from './sigv4';

/**
 * A browser form upload (POST Object, https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html)
 * checked as S3 checks it (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html):
 * the form's `x-amz-signature` is HMAC-SHA256 of the base64 `policy` under the signing key derived from the
 * `x-amz-credential` scope; then the policy's expiration, conditions and field coverage (post-policy.ts); then
 * the file's size. A form without a policy is an anonymous write, which a private bucket refuses.
 */

/** "The form data and boundaries (excluding the contents of the file) cannot exceed 20 KB." */
const MAX_FIELDS_BYTES = 20 * 1024;

export interface ParsedForm {
  /** Field names lower-cased (S3 compares them case-insensitively); only those before the file count. */
  readonly fields: ReadonlyMap<string, string>;
  readonly fileSize: number | undefined;
}

/** Parses a multipart/form-data body as S3 reads it: the fields up to the first `file`, then its size. */
export function parseForm(headers: IncomingHttpHeaders, body: Buffer): Promise<ParsedForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers, limits: { fieldSize: body.length + 1 } });
    } catch {
      reject(new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'Bucket POST must be of the enclosure-type multipart/form-data' }));
      return;
    }
    const fields = new Map<string, string>();
    let fileSize: number | undefined;
    let fieldBytes = 0;
    const field = (name: string, value: string) => {
      if (fileSize !== undefined) return; // S3 ignores whatever follows the file
      const lower = name.toLowerCase();
      if (lower === 'file') {
        fileSize = Buffer.byteLength(value);
        return;
      }
      fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (!fields.has(lower)) fields.set(lower, value);
    };
    parser.on('field', field);
    parser.on('file', (name, stream) => {
      if (name.toLowerCase() !== 'file' || fileSize !== undefined) {
        stream.resume();
        return;
      }
      let size = 0;
      fileSize = 0;
      stream.on('data', (chunk: Buffer) => (size += chunk.length));
      stream.on('end', () => (fileSize = size));
    });
    parser.on('error', () => reject(new S3Error(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.')));
    parser.on('close', () => {
      if (fieldBytes > MAX_FIELDS_BYTES) {
        reject(new S3Error(400, 'MaxPostPreDataLengthExceeded', 'Your POST request fields preceding the upload file were too large.'));
        return;
      }
      resolve({ fields, fileSize });
    });
    parser.end(body);
  });
}

const missingField = (name: string) =>
  invalidArgument(`Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`, name);

/** Throws the S3Error S3 answers a form upload to `bucket` with, if any. */
export async function verifyFormUpload(settings: SigV4Settings, bucket: string, form: ParsedForm, now: Date): Promise<void> {
  const field = (name: string) => form.fields.get(name);
  if (field('key') === undefined) throw missingField('key');
  const policyField = field('policy');
  // No policy, no signature: an anonymous request, which a bucket that is not publicly writable refuses.
  if (policyField === undefined) {
    if (field('x-amz-signature') !== undefined || field('x-amz-credential') !== undefined) throw missingField('policy');
    throw accessDenied();
  }
  for (const name of ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature']) if (field(name) === undefined) throw missingField(name);
  if (field('x-amz-algorithm') !== ALGORITHM) throw invalidArgument(`X-Amz-Algorithm only supports "${ALGORITHM}"`, 'x-amz-algorithm', field('x-amz-algorithm'));
  const credential = parseCredential(field('x-amz-credential') ?? '');
  if (!credential) throw invalidArgument('Error parsing the X-Amz-Credential parameter; the Credential is mal-formed.', 'x-amz-credential', field('x-amz-credential'));
  const secret = secretFor(settings, credential, (message) => invalidArgument(`Error parsing the X-Amz-Credential parameter; ${message}`, 'x-amz-credential', field('x-amz-credential')));
  const signedAt = parseAmzDate(field('x-amz-date'));
  if (!signedAt) throw invalidArgument('X-Amz-Date must be in the ISO8601 Long Format', 'x-amz-date', field('x-amz-date'));

  // The signature covers the policy, signed with the key of the credential's scope (its date, region, service).
  const scopeDate = new Date(Date.UTC(Number(credential.date.slice(0, 4)), Number(credential.date.slice(4, 6)) - 1, Number(credential.date.slice(6, 8))));
  const expected = await signString(policyField, credential.accessKeyId, secret, credential, scopeDate);
  if (!sameSignature(expected, field('x-amz-signature') ?? '')) throw signatureDoesNotMatch();

  const policy = decodePolicy(policyField);
  checkPolicyFields(policy, form.fields, bucket, now);
  if (form.fileSize === undefined) throw invalidArgument('POST requires exactly one file upload per request.', 'file', '0');
  checkFileSize(policy, form.fileSize);
}
