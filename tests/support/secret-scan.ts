/**
 * Looks for secrets in captured process output. Its patterns are written independently of
 * lib/logging/redact.ts on purpose: a mistake in the redaction's patterns must not hide itself here.
 */
export interface Finding {
  readonly kind: string;
  /** Where, with the secret itself shortened, so a failing test does not print it whole. */
  readonly excerpt: string;
}

const SHAPES: readonly { kind: string; pattern: RegExp }[] = [
  // A signed JWT: base64url JSON header and payload (both start "eyJ"), then a signature.
  { kind: 'JWT', pattern: /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{20,}/g },
  // lib/tokens/refresh-token-secret.ts: 32 random bytes as base64url, exactly 43 characters.
  { kind: 'refresh token', pattern: /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g },
  // A SigV4 signature (presigned URL, presigned POST field, Authorization header): 64 hex digits.
  { kind: 'X-Amz-Signature', pattern: /(?:X-Amz-Signature|Signature)["']?\s*(?:=|%3D|:)\s*["']?[0-9a-f]{64}/gi },
];

/** Strings shaped like Halo's tokens or an AWS signature, wherever they come from. */
export function findSecretShapes(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const { kind, pattern } of SHAPES) {
    for (const match of text.matchAll(pattern)) {
      // A run of 43 letters and underscores is a word, not 256 random bits.
      if (kind === 'refresh token' && !/\d/.test(match[0])) continue;
      findings.push({ kind, excerpt: excerpt(text, match.index, match[0].length) });
    }
  }
  return findings;
}

export interface KnownSecret {
  readonly label: string;
  readonly value: string;
}

/** The first place each known secret appears, as written, URL-encoded, form-encoded, JSON-escaped, base64 and base64url (at every byte alignment). */
export function findKnownSecrets(text: string, secrets: readonly KnownSecret[]): Finding[] {
  const findings: Finding[] = [];
  for (const { label, value } of secrets) {
    for (const [encoding, variant] of variants(value)) {
      const at = text.indexOf(variant);
      if (at < 0) continue;
      findings.push({ kind: `${label} (${encoding})`, excerpt: excerpt(text, at, variant.length) });
      break; // one finding per secret is enough to fail, and says where
    }
  }
  return findings;
}

function variants(secret: string): [string, string][] {
  const found: [string, string][] = [
    ['as is', secret],
    ['URL-encoded', encodeURIComponent(secret)],
    ['form-encoded', new URLSearchParams({ s: secret }).toString().slice(2)],
    ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
  ];
  // Inside a longer base64 text the secret starts at any byte offset modulo 3; the characters that
  // mix in neighbouring bytes (the first group when shifted, the last group) are left out.
  for (const shift of [0, 1, 2]) {
    const bytes = Buffer.concat([Buffer.alloc(shift), Buffer.from(secret)]);
    for (const alphabet of ['base64', 'base64url'] as const) {
      const encoded = bytes.toString(alphabet);
      const core = encoded.slice(shift === 0 ? 0 : 4, -4);
      if (core.length >= 12) found.push([`${alphabet}, offset ${shift}`, core]);
    }
  }
  return [...new Map(found.map(([name, variant]) => [variant, [name, variant] as [string, string]])).values()];
}

function excerpt(text: string, at: number, length: number): string {
  const secret = text.slice(at, at + length);
  const shortened = secret.length > 12 ? `${secret.slice(0, 6)}…${secret.slice(-3)}` : `${secret.slice(0, 2)}…`;
  const line = text.lastIndexOf('\n', at) + 1;
  const lineNumber = text.slice(0, at).split('\n').length;
  return `line ${lineNumber}: ${text.slice(Math.max(line, at - 60), at)}${shortened}${text.slice(at + length, at + length + 40).split('\n')[0]}`;
}
