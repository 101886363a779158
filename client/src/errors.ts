import type { JSendErrorBody, JSendFail, OAuthErrorBody } from './types';

/**
 * Any refusal or failure of a Halo call, with what Halo said: the JSend `fail` fields (which part of the
 * request is at fault, and why), the JSend `error` message and request id (5xx), the OAuth `error` and
 * `error_description` (RFC 6749 §5.2), and `Retry-After` for 429s.
 */
export class HaloError extends Error {
  override name = 'HaloError';
  /** The HTTP status, or 0 when no answer came (network failure, aborted). */
  readonly status: number;
  /** JSend `fail` data: field (or request part) → what is wrong with it. Empty otherwise. */
  readonly fields: Readonly<Record<string, string>>;
  /** The JSend status of the answer, when it was JSend. */
  readonly jsend: 'fail' | 'error' | undefined;
  /** JSend `error` data.requestId (5xx): quote it when reporting the failure. */
  readonly requestId: string | undefined;
  /** OAuth `error` (from /oauth/*), or the `error` of a `WWW-Authenticate: Bearer` challenge. */
  readonly oauthError: string | undefined;
  readonly oauthDescription: string | undefined;
  /** Seconds to wait, from `Retry-After` (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    details: {
      status: number;
      fields?: Record<string, string>;
      jsend?: 'fail' | 'error';
      requestId?: string;
      oauthError?: string;
      oauthDescription?: string;
      retryAfterSeconds?: number;
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.fields = details.fields ?? {};
    this.jsend = details.jsend;
    this.requestId = details.requestId;
    this.oauthError = details.oauthError;
    this.oauthDescription = details.oauthDescription;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  /** The access token was refused (401 with `error="invalid_token"`, or a refused refresh): sign in again or refresh. */
  get isUnauthorized(): boolean {
    return this.status === 401 || this.oauthError === 'invalid_grant' || this.oauthError === 'invalid_token';
  }
}

/** The session is over (the refresh token was refused): the user must sign in again. */
export class SessionEndedError extends HaloError {
  override name = 'SessionEndedError';
}

const bearerError = (challenge: string | null) => /error="([^"]*)"/.exec(challenge ?? '')?.[1];
const bearerDescription = (challenge: string | null) => /error_description="([^"]*)"/.exec(challenge ?? '')?.[1];

/** Builds the error for a non-2xx answer from its status, headers and parsed body (JSend, OAuth or anything). */
export function errorFromAnswer(status: number, headers: { get(name: string): string | null }, body: unknown): HaloError {
  const retry = Number(headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retry) && headers.get('retry-after') !== null ? retry : undefined;
  const challenge = headers.get('www-authenticate');
  const common = { status, retryAfterSeconds, oauthError: bearerError(challenge), oauthDescription: bearerDescription(challenge) };
  // The shapes an answer may have: JSend fail or error (Halo's routes), OAuth (/oauth/*), or API Gateway's own.
  const object = (body ?? {}) as { status?: string; data?: Record<string, string> & Partial<NonNullable<JSendErrorBody['data']>>; message?: string } & Partial<OAuthErrorBody>;
  if (object.status === 'fail' && object.data) {
    const fields: JSendFail['data'] = object.data;
    const summary = Object.entries(fields).map(([field, problem]) => `${field} ${problem}`).join('; ');
    return new HaloError(summary || `HTTP ${status}`, { ...common, jsend: 'fail', fields });
  }
  if (object.status === 'error') {
    return new HaloError(object.message ?? `HTTP ${status}`, { ...common, jsend: 'error', requestId: object.data?.requestId });
  }
  if (typeof object.error === 'string') {
    return new HaloError(`${object.error}: ${object.error_description ?? ''}`, { ...common, oauthError: object.error, oauthDescription: object.error_description });
  }
  // API Gateway's own answers ({"message":"Too Many Requests"}) and anything else.
  return new HaloError(typeof object.message === 'string' ? object.message : `HTTP ${status}`, common);
}
