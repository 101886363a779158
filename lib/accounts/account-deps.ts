import type { PasswordHasher } from '../passwords/password-hasher';
import type { SessionsRepository } from '../storage/sessions-repository';
import type { UsersRepository } from '../storage/users-repository';
import type { AccessTokens } from '../tokens/access-tokens';

/** Everything the account use cases need, handed in so tests can substitute any part. */
export interface AccountDeps {
  readonly users: UsersRepository;
  readonly sessions: SessionsRepository;
  readonly passwords: PasswordHasher;
  readonly accessTokens: AccessTokens;
  readonly settings: {
    readonly refreshTokenTtlSeconds: number;
    readonly defaultClientId: string;
    /** How long an unfinished sign-up keeps its identifier before another sign-up may take it over. */
    readonly pendingSignUpSeconds: number;
    /** The service's public base URL, from which avatar URLs are made. */
    readonly publicBaseUrl: string;
  };
  readonly clock: () => Date;
  readonly newId: () => string;
}
