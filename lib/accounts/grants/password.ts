import type { TokenPair } from '../sessions';
import { signIn, type SignInDeps } from '../sign-in';
import { requiredParameter, type TokenRequest } from './parameters';

/** RFC 6749 §4.3: the resource owner's password, behind the same back-off as `POST /api/login`. */
export async function passwordGrant(deps: SignInDeps, request: TokenRequest, clientId: string | undefined, sourceAddress: string | undefined): Promise<TokenPair> {
  const credentials = { identifier: requiredParameter(request, 'username'), password: requiredParameter(request, 'password'), clientId };
  const { tokens } = await signIn(deps, credentials, sourceAddress);
  return tokens;
}
