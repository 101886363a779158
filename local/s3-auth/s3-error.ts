import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * An error answered the way S3 answers it: an HTTP status and an XML body
 * `<Error><Code>…</Code><Message>…</Message>…<RequestId>…</RequestId><HostId>…</HostId></Error>`, with the
 * codes and statuses of https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html. `details` are
 * the extra elements S3 adds to some errors (e.g. `MaxSizeAllowed` to EntityTooLarge).
 */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
  }
}

const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char] ?? char);

export function errorXml(error: S3Error, requestId: string): string {
  const details = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message>${details}` +
    `<RequestId>${requestId}</RequestId><HostId>${randomBytes(24).toString('base64')}</HostId></Error>`
  );
}

/** Sends `error` as S3 would; a browser's form POST may read it (the bucket's CORS rule allows any origin). */
export function sendS3Error(response: ServerResponse, error: S3Error, origin: string | undefined): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = errorXml(error, requestId);
  response.writeHead(error.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
    ...(origin ? { 'access-control-allow-origin': '*', vary: 'Origin' } : {}),
  });
  response.end(body);
}

// The errors more than one check answers with; messages as S3 writes them.
export const accessDenied = (message = 'Access Denied') => new S3Error(403, 'AccessDenied', message);
export const signatureDoesNotMatch = () =>
  new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
export const invalidAccessKeyId = (accessKeyId: string) =>
  new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
export const invalidArgument = (message: string, name: string, value = '') =>
  new S3Error(400, 'InvalidArgument', message, { ArgumentName: name, ArgumentValue: value });
