import { randomBytes } from 'node:crypto';

/**
 * A new avatar version: milliseconds in base 36 (fixed width, so versions sort by time as strings)
 * plus randomness so two uploads in the same millisecond still differ. Part of the public URL, so a
 * new avatar always has a new URL and no cache can show the old image.
 */
export const newAvatarVersion = (now: Date): string =>
  `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;

export const AVATAR_VERSION = /^[0-9a-z]{9}-[0-9a-f]{12}$/;
