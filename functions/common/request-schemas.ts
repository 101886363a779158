// zod/mini rather than zod classic: the same validator core and the same issues, but tree-shakeable
// functions instead of a class with every method, so a credential route's bundle holds ~20 KB of zod
// instead of ~440 KB evaluated at every cold start (docs/performance.md, part 1).
import * as z from 'zod/mini';
// The English messages zod classic installs on import; zod/mini leaves messages to the caller. Imported
// by name: the `z.locales` namespace would bundle every language.
import { en } from 'zod/locales';

z.config(en());

// Strict objects: an unexpected field is refused and named, so a typo ("pasword") never passes silently.
export const credentialsSchema = z.strictObject({
  identifier: z.string().check(z.maxLength(1024)),
  // An empty password is no guess at anyone's password (and argon2 refuses to hash nothing).
  password: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(4096)),
});

export const refreshSchema = z.strictObject({
  refreshToken: z.string().check(z.maxLength(1024)),
});

/** RFC 6749 client identifiers are VSCHARs (printable ASCII); a sane length keeps them out of abuse. */
export const clientIdSchema = z.optional(z.string().check(z.regex(/^[\x20-\x7E]{1,128}$/, 'must be 1 to 128 printable ASCII characters')));

/** `POST /api/user/password`: the same bounds as a login's password (the policy then judges the new one). */
export const passwordChangeSchema = z.strictObject({
  currentPassword: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(4096)),
  newPassword: z.string().check(z.maxLength(4096)),
});

/** `POST /api/user/identifiers`: the identifier to add, parsed as at sign-up. */
export const identifierSchema = z.strictObject({
  identifier: z.string().check(z.maxLength(1024)),
});

/** `DELETE /api/user/identifiers/{identifier}`: the path parameter, as API Gateway decoded it. */
export const identifierPathSchema = z.object({
  identifier: z.string().check(z.maxLength(1024)),
});
