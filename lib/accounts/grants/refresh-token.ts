import type { SessionDeps } from '../account-deps';
import { refresh } from '../refresh';
import type { TokenPair } from '../sessions';
import { requiredParameter, type TokenRequest } from './parameters';

/** RFC 6749 §6: a refresh token, rotated as `POST /api/refresh` rotates it. */
export const refreshTokenGrant = (deps: SessionDeps, request: TokenRequest, clientId: string | undefined): Promise<TokenPair> =>
  refresh(deps, { refreshToken: requiredParameter(request, 'refresh_token'), clientId });
