import type { ErrorCode } from '#lib/errors';

/**
 * The one table from domain error codes to what each transport answers: the JSend routes (HTTP status,
 * and the RFC 6750 challenge on a 401), the OAuth 2.0 routes (RFC 6749 §5.2 error code and status), and
 * the WebSocket routes (the status API Gateway answers the handshake or the message with). A new code fails
 * the type check here until it has an answer on every transport. The error-outs that use it:
 * error-responses.ts (JSend, OAuth) and websocket-responses.ts (sockets).
 */
export interface ErrorAnswer {
  readonly jsend: { readonly status: number; readonly challenge?: 'bare' | 'invalid_token' };
  /** `server_error`: not the client's fault, answered as any unexpected failure is. */
  readonly oauth: { readonly error: string; readonly status: number } | 'server_error';
  readonly socket: number;
}

const badRequest = { error: 'invalid_request', status: 400 } as const;

export const ERROR_ANSWERS: Readonly<Record<ErrorCode, ErrorAnswer>> = {
  invalid_request: { jsend: { status: 400 }, oauth: badRequest, socket: 400 },
  invalid_image: { jsend: { status: 400 }, oauth: badRequest, socket: 400 },
  weak_password: { jsend: { status: 400 }, oauth: badRequest, socket: 400 },
  unsupported_grant_type: { jsend: { status: 400 }, oauth: { error: 'unsupported_grant_type', status: 400 }, socket: 400 },
  // §5.2: "resource owner credentials … are invalid".
  invalid_credentials: { jsend: { status: 401, challenge: 'bare' }, oauth: { error: 'invalid_grant', status: 400 }, socket: 400 },
  // RFC 6750 §3: a request that carried no token is only challenged; one that carried a bad one is told so.
  missing_token: { jsend: { status: 401, challenge: 'bare' }, oauth: badRequest, socket: 401 },
  invalid_token: { jsend: { status: 401, challenge: 'invalid_token' }, oauth: { error: 'invalid_grant', status: 400 }, socket: 401 },
  // To the client, a token whose account is gone is an invalid token like any other.
  account_gone: { jsend: { status: 401, challenge: 'invalid_token' }, oauth: { error: 'invalid_grant', status: 400 }, socket: 401 },
  invalid_grant: { jsend: { status: 401, challenge: 'invalid_token' }, oauth: { error: 'invalid_grant', status: 400 }, socket: 400 },
  not_found: { jsend: { status: 404 }, oauth: badRequest, socket: 400 },
  identifier_taken: { jsend: { status: 409 }, oauth: badRequest, socket: 400 },
  conflict: { jsend: { status: 409 }, oauth: badRequest, socket: 400 },
  payload_too_large: { jsend: { status: 413 }, oauth: badRequest, socket: 400 },
  unsupported_media_type: { jsend: { status: 415 }, oauth: badRequest, socket: 400 },
  // RFC 6749 §5.2 has no code for "too many attempts". `slow_down` is the one registered token-endpoint error
  // that means "you are asking too fast; wait" (RFC 8628 §3.5, IANA OAuth Extensions Error registry), unlike
  // `temporarily_unavailable` (authorization endpoint only, and it blames the server) or `invalid_grant`
  // (which would tell a client whose password may be right that it is wrong). A 429, so that clients and
  // proxies back off; every other §5.2 error is a 400.
  too_many_requests: { jsend: { status: 429 }, oauth: { error: 'slow_down', status: 429 }, socket: 429 },
  // No OAuth route raises it; were one to, it is a server-side failure like any other.
  unavailable: { jsend: { status: 503 }, oauth: 'server_error', socket: 400 },
};

/**
 * HTTP names the request part at fault, where the domain names the thing: the access token travels in the
 * `Authorization` header, so that is the field a JSend `fail` or an OAuth description names.
 */
export const HTTP_FIELD_NAMES: Readonly<Record<string, string>> = { accessToken: 'authorization' };

export const httpFields = (fields: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).map(([field, problem]) => [HTTP_FIELD_NAMES[field] ?? field, problem]));
