import type { ErrorCode } from '#lib/errors';

/**
 * The one table from domain error codes to what each transport answers: the JSend routes (HTTP status,
 * and the RFC 6750 challenge on a 401), the OAuth 2.0 routes (RFC 6749 §5.2 error code and status), and
 * the WebSocket routes (the status API Gateway answers the handshake or the message with). What a code
 * leaves out is the transport's default (OAUTH_DEFAULT, SOCKET_DEFAULT); a new code fails the type check
 * here until it has at least its HTTP status. The error-outs that use it:
 * error-responses.ts (JSend, OAuth) and websocket-responses.ts (sockets).
 */
export interface ErrorAnswer {
  /** The JSend route's HTTP status. */
  readonly status: number;
  /** RFC 6750 §3 on a 401: a request that carried no token is only challenged; one that carried a bad one is told so. */
  readonly challenge?: 'bare' | 'invalid_token';
  /** The OAuth route's answer (RFC 6749 §5.2): `invalid_request` with 400 unless said; `server_error` is not the client's fault. */
  readonly oauth?: { readonly error: string; readonly status: number } | 'server_error';
  /** The WebSocket route's status: 400 unless said. */
  readonly socket?: number;
}

export const OAUTH_DEFAULT = { error: 'invalid_request', status: 400 } as const;
export const SOCKET_DEFAULT = 400;

const invalidGrant = { error: 'invalid_grant', status: 400 } as const;

export const ERROR_ANSWERS: Readonly<Record<ErrorCode, ErrorAnswer>> = {
  invalid_request: { status: 400 },
  invalid_image: { status: 400 },
  weak_password: { status: 400 },
  unsupported_grant_type: { status: 400, oauth: { error: 'unsupported_grant_type', status: 400 } },
  // §5.2: "resource owner credentials … are invalid".
  invalid_credentials: { status: 401, challenge: 'bare', oauth: invalidGrant },
  // Not a 401: the access token is fine, and a 401 (with its RFC 6750 challenge) would tell the client to sign in again.
  wrong_password: { status: 403 },
  missing_token: { status: 401, challenge: 'bare', socket: 401 },
  invalid_token: { status: 401, challenge: 'invalid_token', oauth: invalidGrant, socket: 401 },
  // To the client, a token whose account is gone is an invalid token like any other.
  account_gone: { status: 401, challenge: 'invalid_token', oauth: invalidGrant, socket: 401 },
  invalid_grant: { status: 401, challenge: 'invalid_token', oauth: invalidGrant },
  not_found: { status: 404 },
  identifier_taken: { status: 409 },
  conflict: { status: 409 },
  payload_too_large: { status: 413 },
  unsupported_media_type: { status: 415 },
  // RFC 6749 §5.2 has no code for "too many attempts". `slow_down` is the one registered token-endpoint error
  // that means "you are asking too fast; wait" (RFC 8628 §3.5, IANA OAuth Extensions Error registry), unlike
  // `temporarily_unavailable` (authorization endpoint only, and it blames the server) or `invalid_grant`
  // (which would tell a client whose password may be right that it is wrong). A 429, so that clients and
  // proxies back off; every other §5.2 error is a 400.
  too_many_requests: { status: 429, oauth: { error: 'slow_down', status: 429 }, socket: 429 },
  // No OAuth route raises it; were one to, it is a server-side failure like any other.
  unavailable: { status: 503, oauth: 'server_error' },
};

/**
 * HTTP names the request part at fault, where the domain names the thing: the access token travels in the
 * `Authorization` header, so that is the field a JSend `fail` or an OAuth description names.
 */
export const HTTP_FIELD_NAMES: Readonly<Record<string, string>> = { accessToken: 'authorization' };

export const httpFields = (fields: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).map(([field, problem]) => [HTTP_FIELD_NAMES[field] ?? field, problem]));
