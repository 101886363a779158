import { admitRegistration, type RegistrationThrottle } from '../throttling/registration-throttle';
import type { AccountDeps } from './account-deps';
import { register, type Registration } from './register';
import type { TokenPair } from './sessions';
import type { UserView } from './user-view';

export interface SignUpDeps {
  readonly account: AccountDeps;
  readonly throttle: RegistrationThrottle;
}

/** `POST /api/register`: the attempt is counted against its source first (lib/throttling), then the account is made. */
export async function signUp(deps: SignUpDeps, input: Registration, sourceAddress: string | undefined): Promise<{ user: UserView; tokens: TokenPair }> {
  await admitRegistration(deps.throttle, sourceAddress);
  return register(deps.account, input);
}
