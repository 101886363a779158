import { HaloError } from '#lib/errors';

/** The subprotocol a browser offers alongside its token: `new WebSocket(url, ['halo.bearer', accessToken])`. */
export const BEARER_SUBPROTOCOL = 'halo.bearer';

/**
 * Browsers cannot set Authorization on a WebSocket, so the access token comes either as the second
 * subprotocol after `halo.bearer`, or as `?access_token=` (RFC 6750 §2.3; simpler, but it can end up
 * in proxy logs, so the subprotocol is preferred).
 */
export function socketAccessToken(
  headers: Record<string, string | undefined> | undefined,
  query: Record<string, string | undefined> | undefined,
): { token: string; viaSubprotocol: boolean } {
  // API Gateway passes the handshake's header names to $connect as the client spelled them, in any case.
  const protocolHeader = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'sec-websocket-protocol')?.[1];
  const offered = (protocolHeader ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const marker = offered.indexOf(BEARER_SUBPROTOCOL);
  const fromProtocol = marker >= 0 ? offered[marker + 1] : undefined;
  if (fromProtocol) return { token: fromProtocol, viaSubprotocol: true };
  const fromQuery = query?.access_token;
  if (fromQuery) return { token: fromQuery, viaSubprotocol: false };
  throw new HaloError('missing_token', {
    authorization: `is required: offer the subprotocols "${BEARER_SUBPROTOCOL}" and the access token, or add ?access_token=`,
  });
}
