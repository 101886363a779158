import { z } from 'zod';

// Strict objects: an unexpected field is refused and named, so a typo ("pasword") never passes silently.
export const credentialsSchema = z.strictObject({
  identifier: z.string().max(1024),
  password: z.string().max(4096),
});

export const refreshSchema = z.strictObject({
  refreshToken: z.string().max(1024),
});

/** RFC 6749 client identifiers are VSCHARs (printable ASCII); a sane length keeps them out of abuse. */
export const clientIdSchema = z
  .string()
  .regex(/^[\x20-\x7E]{1,128}$/, 'must be 1 to 128 printable ASCII characters')
  .optional();
