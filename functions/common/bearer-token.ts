import { HaloError } from '#lib/errors';
import type { HttpEvent } from './http-route';

/** RFC 6750 §2.1: `Authorization: Bearer <token>`. Tokens in query strings are not accepted on HTTP routes. */
export function bearerToken(event: HttpEvent): string {
  const header = event.headers.authorization;
  if (!header) throw new HaloError('missing_token', { authorization: 'is required: send "Authorization: Bearer <access token>"' });
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
  if (!match?.[1]) throw new HaloError('invalid_token', { authorization: 'must be "Bearer <access token>"' });
  return match[1];
}
