import { authorizationServerMetadata } from '#lib/tokens/server-metadata';

describe('authorizationServerMetadata', () => {
  const metadata = authorizationServerMetadata('https://halo.test');

  it('names the issuer and derives every endpoint from it', () => {
    expect(metadata).toMatchObject({
      issuer: 'https://halo.test',
      token_endpoint: 'https://halo.test/oauth/token',
      revocation_endpoint: 'https://halo.test/oauth/revoke',
      jwks_uri: 'https://halo.test/.well-known/jwks.json',
      service_documentation: 'https://halo.test/docs',
    });
  });

  it('offers only the password and refresh_token grants, for public clients', () => {
    expect(metadata.grant_types_supported).toEqual(['password', 'refresh_token']);
    expect(metadata.response_types_supported).toEqual([]);
    expect(metadata).not.toHaveProperty('authorization_endpoint');
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(['none']);
    expect(metadata.revocation_endpoint_auth_methods_supported).toEqual(['none']);
  });

  it('announces ES256 access tokens', () => {
    expect(metadata.access_token_signing_alg_values_supported).toEqual(['ES256']);
  });
});
