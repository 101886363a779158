import { domainToASCII } from 'node:url';
import * as z from 'zod/mini';
import { HaloError } from '../errors';
import type * as PhoneNumbers from './phone-numbers';

export type IdentifierType = 'email' | 'phone' | 'nickname';

export interface Identifier {
  readonly type: IdentifierType;
  /** What the user sees: emails lower-cased, phones in E.164, nicknames as typed (after NFKC). */
  readonly display: string;
  /** What uniqueness is decided on: two identifiers with the same key are the same account. */
  readonly key: string;
}

const MAX_INPUT_LENGTH = 320;
const MAX_EMAIL_LENGTH = 254; // RFC 5321 path limit
// ASCII only, on purpose: after NFKC folding, anything outside this set (Cyrillic "а", Greek "ο",
// zero-width joiners, …) is refused rather than allowed to impersonate an existing nickname.
const NICKNAME = /^[a-z][a-z0-9_.-]{2,31}$/i;
const LOOKS_LIKE_PHONE = /^[+(]?[\d\s().-]+$/;
const emailSchema = z.email();

const fail = (reason: string) => new HaloError('invalid_request', { identifier: reason });

// The phone code and its full metadata (~150 KB of JSON) are loaded on the first phone-shaped identifier, not at cold start:
// most identifiers are emails or nicknames, and a login that never sees a phone number never pays for it.
let phoneNumbers: Promise<typeof PhoneNumbers> | undefined;
const loadPhoneNumbers = () => (phoneNumbers ??= import('./phone-numbers'));

/**
 * Decides from its form whether an identifier is an email, a phone number or a nickname, and
 * normalises it so that case, Unicode compatibility forms and phone formatting cannot create a
 * second account for the same person.
 */
export async function parseIdentifier(raw: string): Promise<Identifier> {
  if (raw.length > MAX_INPUT_LENGTH) throw fail(`must be at most ${MAX_INPUT_LENGTH} characters`);
  const text = raw.normalize('NFKC').trim();
  if (text.length === 0) throw fail('must not be empty');
  if (text.includes('@')) return parseEmail(text);
  if (LOOKS_LIKE_PHONE.test(text) && /\d/.test(text)) return parsePhone(text);
  return parseNickname(text);
}

function parseEmail(text: string): Identifier {
  const at = text.lastIndexOf('@');
  // IDN domains are compared in their ASCII (punycode) form, so "bücher.de" and "xn--bcher-kva.de" are one.
  const domain = domainToASCII(text.slice(at + 1).toLowerCase());
  const email = `${text.slice(0, at).toLowerCase()}@${domain}`;
  if (!domain || email.length > MAX_EMAIL_LENGTH || !emailSchema.safeParse(email).success) {
    throw fail('is not a valid email address');
  }
  return { type: 'email', display: email, key: email };
}

async function parsePhone(text: string): Promise<Identifier> {
  const international = text.startsWith('00') ? `+${text.slice(2)}` : text;
  if (!international.startsWith('+')) {
    throw fail('phone numbers must be in international format with a country code, e.g. +14155550123');
  }
  const { parsePhoneNumberFromString } = await loadPhoneNumbers();
  const phone = parsePhoneNumberFromString(international);
  if (!phone?.isValid()) throw fail('is not a valid phone number');
  return { type: 'phone', display: phone.number, key: phone.number };
}

function parseNickname(text: string): Identifier {
  if (!NICKNAME.test(text)) {
    throw fail(
      'nicknames are 3 to 32 characters from a-z, 0-9, "_", "." and "-", starting with a letter',
    );
  }
  return { type: 'nickname', display: text, key: text.toLowerCase() };
}
