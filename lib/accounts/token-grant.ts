import { HaloError } from '../errors';
import { passwordGrant } from './grants/password';
import { refreshTokenGrant } from './grants/refresh-token';
import { requiredParameter, type TokenRequest } from './grants/parameters';
import type { TokenPair } from './sessions';
import type { SignInDeps } from './sign-in';

/**
 * `POST /oauth/token`: the grant the request names, one file per grant under grants/ (as node-oidc-provider
 * keeps them). A new grant type is a file there and a line here.
 */
export async function grantTokens(
  deps: SignInDeps,
  request: TokenRequest,
  clientId: string | undefined,
  sourceAddress: string | undefined,
): Promise<TokenPair> {
  switch (requiredParameter(request, 'grant_type')) {
    case 'password':
      return passwordGrant(deps, request, clientId, sourceAddress);
    case 'refresh_token':
      return refreshTokenGrant(deps.account, request, clientId);
    default:
      throw new HaloError('unsupported_grant_type', { grant_type: 'must be "password" or "refresh_token"' });
  }
}
