import { SIGNING_ALGORITHM } from './signing-keys';

/**
 * RFC 8414 metadata. Halo issues tokens only through its token endpoint (password and refresh_token
 * grants), so it lists no authorization endpoint and no response types.
 */
export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_types_supported: ['password', 'refresh_token'],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    // Not an RFC 8414 field: tells resource servers how RFC 9068 access tokens are signed.
    access_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    service_documentation: `${issuer}/docs`,
  };
}
