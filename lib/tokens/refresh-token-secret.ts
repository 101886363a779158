import { createHash, createHmac, randomBytes } from 'node:crypto';

/** 256 random bits; the token itself is never stored, only its SHA-256 (no salt needed at that entropy). */
export const newRefreshToken = (): string => randomBytes(32).toString('base64url');

export const hashRefreshToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Cheap shape check before any database read: anything else cannot be one of ours. */
export const looksLikeRefreshToken = (token: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(token);

/**
 * The token a rotation hands out, derived from the rotated token and the rotation's random id (stored
 * with the rotated token's hash). Deriving instead of drawing it lets a retry inside the grace window get
 * the very same successor without Halo storing it: a database reader has the id but not the old token,
 * so cannot compute it, and the session keeps a single live refresh token.
 */
export const successorRefreshToken = (token: string, rotationId: string): string =>
  createHmac('sha256', token).update(`halo refresh successor\0${rotationId}`).digest('base64url');
