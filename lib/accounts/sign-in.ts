import { HaloError } from '../errors';
import { admitLogin, forgiveLogin, loginCounters, recordLoginFailure, type LoginThrottle } from '../throttling/login-throttle';
import type { AccountDeps } from './account-deps';
import { login, type Credentials } from './login';
import type { TokenPair } from './sessions';
import type { UserView } from './user-view';

export interface SignInDeps {
  readonly account: AccountDeps;
  readonly throttle: LoginThrottle;
}

/**
 * `POST /api/login` and the OAuth password grant: login behind the back-off (docs/design.md, "Abuse limits").
 * A refusal says nothing about whether the identifier exists: the counts are kept for any identifier, known
 * or not, and the answer is the same.
 */
export async function signIn(deps: SignInDeps, input: Credentials, sourceAddress: string | undefined): Promise<{ user: UserView; tokens: TokenPair }> {
  const counters = await loginCounters(input.identifier, sourceAddress);
  await admitLogin(deps.throttle, counters);
  let result: Awaited<ReturnType<typeof login>>;
  try {
    result = await login(deps.account, input);
  } catch (error) {
    if (error instanceof HaloError && error.code === 'invalid_credentials') await recordLoginFailure(deps.throttle, counters);
    // Any other failure (an outage) leaves the up-front count in place: erring on the side of caution.
    throw error;
  }
  await forgiveLogin(deps.throttle, counters);
  return result;
}
