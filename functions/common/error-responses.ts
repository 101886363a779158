import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ErrorCode } from '#lib/errors';
import { HaloError } from '#lib/errors';
import { jsend, oauthJson } from './responses';

/**
 * The one place where error codes become HTTP. JSend routes answer `fail` for every 4xx; OAuth
 * routes answer RFC 6749 §5.2 `{error, error_description}`. Anything that is not a HaloError is a
 * bug or an outage: a generic `error`/`server_error` with the request id, never its message.
 */
const JSEND_STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_image: 400,
  weak_password: 400,
  unsupported_grant_type: 400,
  invalid_credentials: 401,
  missing_token: 401,
  invalid_token: 401,
  invalid_grant: 401,
  not_found: 404,
  identifier_taken: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  unavailable: 503,
};

const OAUTH_ERROR: Partial<Record<ErrorCode, string>> = {
  invalid_credentials: 'invalid_grant', // §5.2: "resource owner credentials … are invalid"
  invalid_grant: 'invalid_grant',
  invalid_token: 'invalid_grant',
  unsupported_grant_type: 'unsupported_grant_type',
  // RFC 6749 §5.2 has no code for "too many attempts". `slow_down` is the one registered token-endpoint error
  // that means "you are asking too fast; wait" (RFC 8628 §3.5, IANA OAuth Extensions Error registry), unlike
  // `temporarily_unavailable` (authorization endpoint only, and it blames the server) or `invalid_grant`
  // (which would tell a client whose password may be right that it is wrong).
  too_many_requests: 'slow_down',
};

/** RFC 9110 §10.2.3 / RFC 6585 §4: a 429 or a 503 says, in whole seconds, when a retry can succeed. */
const retryAfter = (error: HaloError): Record<string, string> =>
  error.code === 'too_many_requests' || error.code === 'unavailable' ? { 'retry-after': String(error.retryAfterSeconds ?? 1) } : {};

export const REALM = 'Bearer realm="halo"';

/**
 * RFC 6750 §3 and RFC 6749 §5.2 allow only %x20-21 / %x23-5B / %x5D-7E in `error_description`: a `"`
 * would end the header's quoted string early, and field names can come from the client.
 */
const errorDescription = (text: string) => text.replace(/"/g, "'").replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?');

export function jsendError(error: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  if (!(error instanceof HaloError)) {
    return jsend(500, { status: 'error', message: 'Something went wrong on our side; please try again.', data: { requestId } });
  }
  const status = JSEND_STATUS[error.code];
  const headers: Record<string, string> = retryAfter(error);
  // Not the client's fault, so a JSend `error`: its message says what is unfinished and that a retry finishes it.
  if (error.code === 'unavailable') {
    return jsend(status, { status: 'error', message: Object.values(error.fields).join('; '), data: { requestId } }, headers);
  }
  if (status === 401) {
    // RFC 6750 §3: a request that carried a bad token is told so; one that carried none is only challenged.
    headers['www-authenticate'] =
      error.code === 'invalid_token' || error.code === 'invalid_grant'
        ? `${REALM}, error="invalid_token", error_description="${errorDescription(Object.values(error.fields).join('; '))}"`
        : REALM;
  }
  return jsend(status, { status: 'fail', data: error.fields }, headers);
}

export function oauthError(error: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  // No OAuth route raises `unavailable`; were one to, it is a server-side failure like any other.
  if (!(error instanceof HaloError) || error.code === 'unavailable') {
    return oauthJson(500, { error: 'server_error', error_description: `Internal error (request ${requestId}); please try again.` });
  }
  const code = OAUTH_ERROR[error.code] ?? 'invalid_request';
  const description = Object.entries(error.fields).map(([field, problem]) => `${field} ${problem}`).join('; ');
  // Every RFC 6749 §5.2 error is a 400; only a throttled request is a 429, so clients and proxies back off.
  const status = error.code === 'too_many_requests' ? 429 : 400;
  const result = oauthJson(status, { error: code, error_description: errorDescription(description) });
  return { ...result, headers: { ...result.headers, ...retryAfter(error) } };
}
