import { HaloError } from '../errors';
import { isCommonPassword } from './common-passwords';

export const MIN_PASSWORD_LENGTH = 8;
// NIST SP 800-63B asks for at least 64; the cap is what stops a megabyte "password" from burning KDF CPU.
export const MAX_PASSWORD_LENGTH = 256;

/** Rules for a new password (registration). Login only applies the length cap. */
/** `identifierKeys`: the account's identifiers (normalised); the password may be none of them. */
export async function assertAcceptablePassword(password: string, identifierKeys: string | readonly string[]): Promise<void> {
  assertPasswordLength(password);
  const lowered = password.toLowerCase();
  if ((typeof identifierKeys === 'string' ? [identifierKeys] : identifierKeys).some((key) => lowered === key.toLowerCase())) {
    throw new HaloError('weak_password', { password: 'must not be the same as the identifier' });
  }
  if (await isCommonPassword(lowered)) {
    throw new HaloError('weak_password', { password: 'is one of the most commonly used passwords; choose another' });
  }
}

export function assertPasswordLength(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw new HaloError('weak_password', { password: `must be at least ${MIN_PASSWORD_LENGTH} characters` });
  }
  if (length > MAX_PASSWORD_LENGTH) {
    throw new HaloError('invalid_request', { password: `must be at most ${MAX_PASSWORD_LENGTH} characters` });
  }
}
