import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits; the token itself is never stored, only its SHA-256 (no salt needed at that entropy). */
export const newRefreshToken = (): string => randomBytes(32).toString('base64url');

export const hashRefreshToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Cheap shape check before any database read: anything else cannot be one of ours. */
export const looksLikeRefreshToken = (token: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(token);
