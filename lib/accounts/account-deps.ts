import type { PasswordHasher } from '../passwords/password-hasher';
import type { SessionEndReason, SessionsRepository } from '../storage/sessions-repository';
import type { UsersRepository } from '../storage/users-repository';
import type { AccessTokens } from '../tokens/access-tokens';

/**
 * What the token and session use cases need (authenticate, refresh, revoke, start a session): everything
 * but the password hasher. Most functions only ever verify a token, so they are handed these deps, and the
 * KDF (argon2id, compiled WebAssembly) is not even in their bundle.
 */
export interface SessionDeps {
  readonly users: UsersRepository;
  readonly sessions: SessionsRepository;
  readonly accessTokens: AccessTokens;
  readonly settings: {
    readonly refreshTokenTtlSeconds: number;
    /** A rotated-out refresh token still yields its rotation's pair this long after (0 = strict reuse detection). */
    readonly refreshReuseGraceSeconds: number;
    /** A session's absolute lifetime from its login: refresh fails after it and the user logs in again (ASVS 3.3.2). */
    readonly sessionAbsoluteLifetimeSeconds: number;
    /** Live sessions one user may have (MAX_SESSIONS_PER_USER): a login past it ends the oldest (lib/accounts/session-cap.ts). */
    readonly maxSessionsPerUser: number;
    readonly defaultClientId: string;
    /** How long an unfinished sign-up keeps its identifier before another sign-up may take it over. */
    readonly pendingSignUpSeconds: number;
    /** The service's public base URL, from which avatar URLs are made. */
    readonly publicBaseUrl: string;
  };
  readonly clock: () => Date;
  readonly newId: () => string;
  /**
   * Told when a session ends here (revocation, reuse detection, the absolute lifetime seen at refresh), so
   * the session's sockets are told why and closed at once. Optional: a function without the `@connections`
   * grant leaves it out, and delivery's re-check of the session still keeps every event from those sockets.
   */
  readonly sessionEnded?: (userId: string, sessionId: string, reason: SessionEndReason) => Promise<void>;
}

/** Everything the account use cases need, password hashing included (sign-up, login), handed in so tests can substitute any part. */
export interface AccountDeps extends SessionDeps {
  readonly passwords: PasswordHasher;
}
