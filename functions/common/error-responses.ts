import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HaloError } from '#lib/errors';
import { ERROR_ANSWERS, httpFields, OAUTH_DEFAULT } from './error-answers';
import { jsend, oauthJson } from './responses';

/**
 * The HTTP error-outs: JSend routes answer `fail` for every 4xx; OAuth routes answer RFC 6749 §5.2
 * `{error, error_description}`. Which status and code a domain error becomes is in error-answers.ts.
 * Anything that is not a HaloError is a bug or an outage: a generic `error`/`server_error` with the
 * request id, never its message.
 */
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
  const { status, challenge } = ERROR_ANSWERS[error.code];
  const headers: Record<string, string> = retryAfter(error);
  // Not the client's fault, so a JSend `error`: its message says what is unfinished and that a retry finishes it.
  if (error.code === 'unavailable') {
    return jsend(status, { status: 'error', message: Object.values(error.fields).join('; '), data: { requestId } }, headers);
  }
  // RFC 6750 §3: a request that carried a bad token is told so; one that carried none is only challenged.
  if (challenge === 'invalid_token') {
    headers['www-authenticate'] = `${REALM}, error="invalid_token", error_description="${errorDescription(Object.values(error.fields).join('; '))}"`;
  } else if (challenge === 'bare') {
    headers['www-authenticate'] = REALM;
  }
  return jsend(status, { status: 'fail', data: httpFields(error.fields) }, headers);
}

export function oauthError(error: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  const answer = error instanceof HaloError ? (ERROR_ANSWERS[error.code].oauth ?? OAUTH_DEFAULT) : 'server_error';
  if (!(error instanceof HaloError) || answer === 'server_error') {
    return oauthJson(500, { error: 'server_error', error_description: `Internal error (request ${requestId}); please try again.` });
  }
  const description = Object.entries(httpFields(error.fields)).map(([field, problem]) => `${field} ${problem}`).join('; ');
  const result = oauthJson(answer.status, { error: answer.error, error_description: errorDescription(description) });
  return { ...result, headers: { ...result.headers, ...retryAfter(error) } };
}
