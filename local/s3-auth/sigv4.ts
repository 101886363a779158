import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { createScope, getCanonicalHeaders, getCanonicalQuery, SignatureV4 } from '@smithy/signature-v4';
import { accessDenied, invalidAccessKeyId, S3Error, signatureDoesNotMatch } from './s3-error';

/**
 * Signature Version 4 as S3 checks it, for requests signed in the Authorization header (the SDK's) and for
 * presigned URLs (query string): https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
 * The canonical request is rebuilt from what arrived (its format: …/sig-v4-header-based-auth.html); the
 * canonical query and headers, the credential scope, the derived signing key and the final HMAC come from
 * @smithy/signature-v4, the signer the AWS SDK itself signs with, so both sides compute alike.
 */
export interface SigV4Settings {
  /** Access key id → secret access key. */
  readonly credentials: Readonly<Record<string, string>>;
  readonly region: string;
}

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** S3 refuses a header-signed request whose time is more than 15 minutes from its own. */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** A presigned URL lives at most seven days. */
const MAX_EXPIRES_SECONDS = 7 * 24 * 60 * 60;

export interface ParsedCredential {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

/** `AKID/20261203/us-east-1/s3/aws4_request`. */
export function parseCredential(credential: string): ParsedCredential | undefined {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined;
  const [accessKeyId = '', date = '', region = '', service = ''] = parts;
  if (!accessKeyId || !/^\d{8}$/.test(date) || !region || !service) return undefined;
  return { accessKeyId, date, region, service };
}

/** `20261203T101500Z` → a Date, or undefined. */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const date = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 0, h ?? 0, mi ?? 0, s ?? 0));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The secret of a credential scope's key, after S3's checks of the scope: a known key, the bucket's region,
 * the s3 service. Used for header-signed, presigned and POST requests alike.
 */
export function secretFor(settings: SigV4Settings, credential: ParsedCredential, malformed: (message: string) => S3Error): string {
  const secret = settings.credentials[credential.accessKeyId];
  if (secret === undefined) throw invalidAccessKeyId(credential.accessKeyId);
  if (credential.region !== settings.region) {
    const wrong = malformed(`the region '${credential.region}' is wrong; expecting '${settings.region}'`);
    throw new S3Error(wrong.status, wrong.code, wrong.message, { Region: settings.region });
  }
  if (credential.service !== 's3') throw malformed(`incorrect service '${credential.service}'. This endpoint belongs to 's3'.`);
  return secret;
}

/** The final step shared by every kind of SigV4 request: HMAC(signing key derived for the scope, stringToSign). */
export async function signString(stringToSign: string, accessKeyId: string, secret: string, credential: ParsedCredential, at: Date): Promise<string> {
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey: secret }, region: credential.region, service: credential.service, sha256: Sha256 });
  return signer.sign(stringToSign, { signingDate: at, signingRegion: credential.region, signingService: credential.service });
}

export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given.toLowerCase());
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SignedRequest {
  readonly method: string;
  /** The path exactly as sent (already URI-encoded: S3 does not encode it again). */
  readonly path: string;
  /** Query parameters, decoded, repeated names as arrays. */
  readonly query: Record<string, string | string[]>;
  readonly headers: IncomingHttpHeaders;
}

/** `?a=1&b=x%2Fy&a=2` → `{ a: ['1', '2'], b: 'x/y' }`; `+` stays a plus, as S3 reads it. */
export function parseQuery(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    const decode = (text: string) => {
      try {
        return decodeURIComponent(text);
      } catch {
        return text;
      }
    };
    const name = decode(at < 0 ? pair : pair.slice(0, at));
    if (name === '__proto__') continue; // never a parameter S3 knows; as a key it would replace the prototype
    const value = decode(at < 0 ? '' : pair.slice(at + 1));
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
const headerValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : value);

function canonicalRequest(request: SignedRequest, query: Record<string, string | string[]>, signedHeaders: string[], payloadHash: string): string | undefined {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(request.headers[name]);
    if (value === undefined) return undefined; // a signed header that did not arrive: the signature cannot match
    headers[name] = value;
  }
  // signableHeaders: every header the client listed is signed, even one the SDK would not sign by itself.
  const canonical = getCanonicalHeaders({ headers, method: request.method, protocol: 'http:', hostname: '', path: request.path, query: {} } as never, undefined, new Set(signedHeaders));
  const names = Object.keys(canonical).sort();
  if (names.join(';') !== signedHeaders.join(';')) return undefined;
  return [
    request.method,
    request.path,
    getCanonicalQuery({ query } as never),
    ...names.map((name) => `${name}:${canonical[name]}`),
    '',
    names.join(';'),
    payloadHash,
  ].join('\n');
}

const stringToSign = (longDate: string, scope: string, canonical: string) =>
  [ALGORITHM, longDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');

const malformedHeader = (message: string) => new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; ${message}`);
const malformedQuery = (message: string) => new S3Error(400, 'AuthorizationQueryParametersError', message);

/** An Authorization header or presigned query parameters: does the request claim to be signed at all? */
export const isSigned = (request: SignedRequest) =>
  request.headers.authorization !== undefined || single(request.query['X-Amz-Signature']) !== undefined || single(request.query['X-Amz-Credential']) !== undefined;

/**
 * Checks a request signed in its Authorization header or by presigned query parameters; throws the S3Error S3
 * would answer. An unsigned request is an anonymous one: refused, as by a private bucket (AccessDenied).
 */
export async function verifySigV4(settings: SigV4Settings, request: SignedRequest, now: Date): Promise<void> {
  if (request.headers.authorization !== undefined) return verifyHeaderSigned(settings, request, now);
  if (isSigned(request)) return verifyPresigned(settings, request, now);
  throw accessDenied();
}

async function verifyHeaderSigned(settings: SigV4Settings, request: SignedRequest, now: Date): Promise<void> {
  const authorization = headerValue(request.headers.authorization) ?? '';
  const match = /^(\S+) +Credential=([^,\s]+), *SignedHeaders=([^,\s]+), *Signature=([0-9a-fA-F]+)$/.exec(authorization.trim());
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    throw new S3Error(400, 'InvalidArgument', 'Unsupported Authorization Type', { ArgumentName: 'Authorization', ArgumentValue: authorization });
  }
  const credential = match && parseCredential(match[2] ?? '');
  if (!match || !credential) throw malformedHeader('the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  const secret = secretFor(settings, credential, malformedHeader);

  const longDate = headerValue(request.headers['x-amz-date']);
  const at = parseAmzDate(longDate);
  if (!longDate || !at) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  if (Math.abs(at.getTime() - now.getTime()) > MAX_SKEW_MS) {
    throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: longDate,
      ServerTime: now.toISOString(),
      MaxAllowedSkewMilliseconds: MAX_SKEW_MS,
    });
  }
  if (credential.date !== longDate.slice(0, 8)) throw signatureDoesNotMatch();
  const payloadHash = headerValue(request.headers['x-amz-content-sha256']);
  if (!payloadHash) throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');

  const signedHeaders = (match[3] ?? '').split(';');
  const canonical = canonicalRequest(request, request.query, signedHeaders, payloadHash);
  if (!canonical) throw signatureDoesNotMatch();
  const expected = await signString(stringToSign(longDate, createScope(credential.date, credential.region, credential.service), canonical), credential.accessKeyId, secret, credential, at);
  if (!sameSignature(expected, match[4] ?? '')) throw signatureDoesNotMatch();
}

async function verifyPresigned(settings: SigV4Settings, request: SignedRequest, now: Date): Promise<void> {
  const param = (name: string) => single(request.query[name]);
  const algorithm = param('X-Amz-Algorithm');
  const required = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'];
  if (required.some((name) => param(name) === undefined)) {
    throw malformedQuery(`Query-string authentication version 4 requires the ${required.join(', ')} parameters.`);
  }
  if (algorithm !== ALGORITHM) throw malformedQuery(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const credential = parseCredential(param('X-Amz-Credential') ?? '');
  if (!credential) throw malformedQuery('Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  const secret = secretFor(settings, credential, (message) => malformedQuery(`Error parsing the X-Amz-Credential parameter; ${message}`));

  const longDate = param('X-Amz-Date') ?? '';
  const at = parseAmzDate(longDate);
  if (!at) throw malformedQuery("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  const expires = Number(param('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 0) throw malformedQuery('X-Amz-Expires should be a number');
  if (expires > MAX_EXPIRES_SECONDS) throw malformedQuery('X-Amz-Expires must be less than a week (in seconds) that is 604800');
  if (at.getTime() - now.getTime() > MAX_SKEW_MS) throw accessDenied('Request is not valid yet');
  if (now.getTime() > at.getTime() + expires * 1000) {
    throw new S3Error(403, 'AccessDenied', 'Request has expired', {
      'X-Amz-Expires': expires,
      Expires: new Date(at.getTime() + expires * 1000).toISOString(),
      ServerTime: now.toISOString(),
    });
  }
  if (credential.date !== longDate.slice(0, 8)) throw signatureDoesNotMatch();

  // Every query parameter but the signature is signed; presigned S3 URLs sign an unknown payload.
  const query = { ...request.query };
  delete query['X-Amz-Signature'];
  const payloadHash = single(query['X-Amz-Content-Sha256']) ?? 'UNSIGNED-PAYLOAD';
  const canonical = canonicalRequest(request, query, (param('X-Amz-SignedHeaders') ?? '').split(';'), payloadHash);
  if (!canonical) throw signatureDoesNotMatch();
  const expected = await signString(stringToSign(longDate, createScope(credential.date, credential.region, credential.service), canonical), credential.accessKeyId, secret, credential, at);
  if (!sameSignature(expected, param('X-Amz-Signature') ?? '')) throw signatureDoesNotMatch();
}
