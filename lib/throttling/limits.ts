/**
 * The abuse limits, as settings (lib/config.ts reads them from the environment). What each one means,
 * and why the defaults are what they are, is in docs/design.md ("Abuse limits").
 */
export interface LoginLimits {
  /** Failures one source may make on one identifier before each further attempt waits. */
  readonly freeFailuresPerIdentifierAndSource: number;
  /**
   * Failures on one identifier from all sources together past which the identifier counts as under attack:
   * then a source that has failed on it even once waits before its next try. A source that has not failed
   * on it is never held back by this count, so no attacker can lock the real user out with it.
   */
  readonly identifierUnderAttackAfter: number;
  /** Failures one source may make over all identifiers (password spraying) before each attempt waits. */
  readonly freeFailuresPerSource: number;
  /** The first wait; each further failure doubles it, up to `backoffMaxSeconds`. */
  readonly backoffBaseSeconds: number;
  readonly backoffMaxSeconds: number;
  /** Failures are forgotten this long after the last one, so no back-off is permanent. */
  readonly failureMemorySeconds: number;
}

export interface RegistrationLimits {
  /** Sign-up attempts one source may make per window. */
  readonly perSource: number;
  readonly windowSeconds: number;
}

export interface SocketLimits {
  /** Open sockets one user may have at once. */
  readonly perUser: number;
}

export interface UploadFormLimits {
  /** Direct-upload forms (`POST /api/user/avatar/upload`) one user may ask for per window. */
  readonly perUser: number;
  readonly windowSeconds: number;
}

export interface AbuseLimits {
  readonly login: LoginLimits;
  readonly registration: RegistrationLimits;
  readonly sockets: SocketLimits;
  readonly uploadForms: UploadFormLimits;
}

export const DEFAULT_LIMITS: AbuseLimits = {
  login: {
    freeFailuresPerIdentifierAndSource: 5,
    identifierUnderAttackAfter: 20,
    freeFailuresPerSource: 100,
    backoffBaseSeconds: 30,
    backoffMaxSeconds: 15 * 60,
    failureMemorySeconds: 60 * 60,
  },
  registration: { perSource: 20, windowSeconds: 60 * 60 },
  sockets: { perUser: 20 },
  // One avatar change takes one form; 20 an hour leaves room for retries and second thoughts, while a script
  // that asks for forms in a loop gets 20 image-processing runs an hour out of one account, not thousands.
  uploadForms: { perUser: 20, windowSeconds: 60 * 60 },
};
