import { HaloError } from '#lib/errors';

/** A token request's parameters (RFC 6749 §4.3.2, §6), as the form carried them. */
export type TokenRequest = Readonly<Record<string, string>>;

export const requiredParameter = (request: TokenRequest, name: string): string => {
  const value = request[name];
  if (!value) throw new HaloError('invalid_request', { [name]: 'is required' });
  return value;
};
