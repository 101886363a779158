import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { recordingFetch } from '../support/contract-recorder';
import { bearer, call, postForm, postJson } from '../support/http';

let stack: RunningStack;
let oauth: client.Configuration;
const PASSWORD = 'an unguessable passphrase';

beforeAll(async () => {
  stack = await startStackProcess();
  await postJson(`${stack.url}/api/register`, { identifier: 'oauth-user', password: PASSWORD });
  // A standard OAuth 2.0 client library, configured only from the RFC 8414 metadata document.
  oauth = await client.discovery(new URL(stack.url), 'my-mobile-app', undefined, client.None(), {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests], // the embedded stack speaks plain HTTP on localhost
    [client.customFetch]: recordingFetch, // what the library sends and gets is checked against the contract too
  });
});
afterAll(() => stack.stop());

describe('OAuth 2.0 endpoints, used by openid-client', () => {
  it('publishes RFC 8414 metadata whose issuer is the service URL', async () => {
    const metadata = oauth.serverMetadata();
    expect(metadata.issuer).toBe(stack.url);
    expect(metadata.token_endpoint).toBe(`${stack.url}/oauth/token`);
    expect(metadata.revocation_endpoint).toBe(`${stack.url}/oauth/revoke`);
    expect(metadata.grant_types_supported).toEqual(['password', 'refresh_token']);
  });

  it('runs the password grant, refresh rotation and revocation end to end', async () => {
    const tokens = await client.genericGrantRequest(oauth, 'password', { username: 'oauth-user', password: PASSWORD });
    expect(tokens.token_type).toBe('bearer'); // openid-client lower-cases it
    expect(tokens.expires_in).toBe(900);
    expect(tokens.refresh_token).toEqual(expect.any(String));

    // RFC 9068 access token, verifiable by any resource server from the published JWKS alone.
    const jwks = createRemoteJWKSet(new URL(String(oauth.serverMetadata().jwks_uri)));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: stack.url,
      audience: stack.url,
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload.client_id).toBe('my-mobile-app');
    expect(Object.keys(payload).sort()).toEqual(['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);

    const refreshed = await client.refreshTokenGrant(oauth, String(tokens.refresh_token));
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await call(`${stack.url}/api/user`, { headers: bearer(refreshed.access_token) })).status).toBe(200);

    await client.tokenRevocation(oauth, String(refreshed.refresh_token));
    expect((await call(`${stack.url}/api/user`, { headers: bearer(refreshed.access_token) })).status).toBe(401);
    await expect(client.refreshTokenGrant(oauth, String(refreshed.refresh_token))).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('reports grant failures with RFC 6749 §5.2 error codes', async () => {
    await expect(client.genericGrantRequest(oauth, 'password', { username: 'oauth-user', password: 'wrong password' })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(client.genericGrantRequest(oauth, 'client_credentials', {})).rejects.toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('follows RFC 6749 on the wire: no-store caching, form bodies, 400 errors with error/error_description', async () => {
    const ok = await postForm(`${stack.url}/oauth/token`, { grant_type: 'password', username: 'oauth-user', password: PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(ok.headers.get('pragma')).toBe('no-cache');
    expect(Object.keys(ok.json).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(ok.json.token_type).toBe('Bearer');
    expect(decodeProtectedHeader(ok.json.access_token).typ).toBe('at+jwt');

    const cases: [Record<string, string>, string][] = [
      [{}, 'invalid_request'],
      [{ grant_type: 'password', username: 'oauth-user' }, 'invalid_request'],
      [{ grant_type: 'refresh_token', refresh_token: 'nonsense' }, 'invalid_grant'],
      [{ grant_type: 'authorization_code', code: 'x' }, 'unsupported_grant_type'],
    ];
    for (const [form, error] of cases) {
      const reply = await postForm(`${stack.url}/oauth/token`, form);
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ error, error_description: expect.any(String) });
      expect(reply.headers.get('cache-control')).toBe('no-store');
    }

    const json = await postJson(`${stack.url}/oauth/token`, { grant_type: 'password' });
    expect(json.status).toBe(400);
    expect(json.json.error).toBe('invalid_request');

    const repeated = await call(`${stack.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&grant_type=refresh_token',
    });
    expect(repeated.json.error).toBe('invalid_request');
  });

  it('takes the client_id from HTTP Basic for libraries that always send it', async () => {
    const basic = Buffer.from('basic-app:').toString('base64');
    const reply = await postForm(
      `${stack.url}/oauth/token`,
      { grant_type: 'password', username: 'oauth-user', password: PASSWORD },
      { authorization: `Basic ${basic}` },
    );
    expect(reply.status).toBe(200);
    const [, payload] = String(reply.json.access_token).split('.');
    expect(JSON.parse(Buffer.from(String(payload), 'base64url').toString()).client_id).toBe('basic-app');
  });

  it('answers revocation of unknown tokens with 200 (RFC 7009 §2.2) and a missing token with invalid_request', async () => {
    const unknown = await postForm(`${stack.url}/oauth/revoke`, { token: 'never-issued' });
    expect(unknown.status).toBe(200);
    expect(unknown.text).toBe('');
    const missing = await postForm(`${stack.url}/oauth/revoke`, {});
    expect(missing.status).toBe(400);
    expect(missing.json.error).toBe('invalid_request');
  });

  it('serves the JWKS with public keys only', async () => {
    const reply = await call(`${stack.url}/.well-known/jwks.json`);
    expect(reply.status).toBe(200);
    expect(reply.json.keys.length).toBeGreaterThan(0);
    for (const key of reply.json.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    }
  });
});
