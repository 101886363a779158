/**
 * Domain errors carry a stable `code` to switch on (never a message to parse), and name what is wrong in
 * the domain's words (`accessToken`, `identifier`, `avatar`), not a transport's. What each code becomes on
 * each transport (JSend, OAuth 2.0, WebSocket) is decided in one table: functions/common/error-answers.ts.
 */
export type ErrorCode =
  | 'invalid_request' // the request is malformed: missing, extra or ill-typed fields
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'invalid_image' // an allowed image type whose content does not decode (truncated, corrupt, a bomb)
  | 'identifier_taken'
  | 'conflict' // the request lost a race with another change to the same thing
  | 'weak_password'
  | 'invalid_credentials' // login: unknown identifier and wrong password are the same error
  | 'wrong_password' // a signed-in user's current password, asked again to change it, is wrong
  | 'missing_token' // no access token was sent at all (RFC 6750 §3.1: challenge without an error code)
  | 'invalid_token' // access token malformed, expired or revoked (its session or user no longer stands)
  | 'account_gone' // the access token was good, but its account was deleted while the request ran
  | 'invalid_grant' // refresh token unknown, expired, rotated out or revoked
  | 'unsupported_grant_type'
  | 'not_found'
  | 'too_many_requests' // an abuse limit refused the request; `retryAfterSeconds` says when to try again
  | 'unavailable'; // Halo could not finish the request now (not the client's fault); retry after `retryAfterSeconds`

export class HaloError extends Error {
  override name = 'HaloError';

  /** Only for `too_many_requests` and `unavailable`: whole seconds until a retry can succeed (the `Retry-After` header). */
  readonly retryAfterSeconds: number | undefined;

  /**
   * @param fields JSend `fail` data: which input is wrong and why, keyed by the field's name
   *               (or by the thing at fault: `accessToken`, `body`, `content-type`).
   */
  constructor(
    readonly code: ErrorCode,
    readonly fields: Record<string, string>,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(`${code}: ${Object.entries(fields).map(([k, v]) => `${k} ${v}`).join('; ')}`, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export const invalidRequest = (fields: Record<string, string>) => new HaloError('invalid_request', fields);

/** An abuse limit's refusal; the wait is rounded up to whole seconds (at least one), as `Retry-After` needs. */
export function tooManyRequests(field: string, problem: (seconds: number) => string, waitMs: number): HaloError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new HaloError('too_many_requests', { [field]: problem(retryAfterSeconds) }, { retryAfterSeconds });
}
