import { HaloError } from '#lib/errors';
import type { HttpEvent } from './http-route';
import { validate } from './request-body';
import { clientIdSchema } from './request-schemas';

/**
 * Halo's clients are public (RFC 6749 §2.1): no secret to check. The client_id comes from the form or,
 * for libraries that always use HTTP Basic (§2.3.1), from the Basic user name; the secret is ignored.
 */
export function clientIdOf(event: HttpEvent, form: Record<string, string>): string | undefined {
  const basic = /^Basic +([A-Za-z0-9+/]+=*)$/i.exec(event.headers.authorization?.trim() ?? '');
  const fromHeader = basic?.[1] ? basicUserName(basic[1]) : undefined;
  const fromForm = form.client_id;
  if (fromHeader && fromForm && fromHeader !== fromForm) {
    throw new HaloError('invalid_request', { client_id: 'differs between the form and the Authorization header' });
  }
  return validate(clientIdSchema, fromForm ?? fromHeader);
}

/** RFC 6749 §2.3.1: the user name is form-encoded before it is base64-encoded; a bad escape (`%%`) is the client's mistake. */
function basicUserName(credentials: string): string {
  const userName = Buffer.from(credentials, 'base64').toString('utf8').split(':')[0] ?? '';
  try {
    return decodeURIComponent(userName);
  } catch {
    throw new HaloError('invalid_request', { authorization: 'the Basic user name must be a form-encoded client_id' });
  }
}
