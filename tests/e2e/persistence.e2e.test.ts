import { startStackProcess, withTempDir } from '../support/embedded-stack-process';
import { bearer, call, postJson } from '../support/http';

describe('the embedded default across restarts', () => {
  it('keeps accounts, sessions and the signing key in DATA_DIR, and stops cleanly on Ctrl-C', () =>
    withTempDir(async (dataDir) => {
      const first = await startStackProcess({ dataDir });
      const registered = await postJson(`${first.url}/api/register`, { identifier: 'durable', password: 'survives a restart' });
      expect(registered.status).toBe(201);
      expect(await first.stop()).toBe(0);
      expect(first.output()).toContain('Stopped.');

      const second = await startStackProcess({ dataDir });
      try {
        // A new port means a new issuer, so old access tokens are (rightly) foreign; the data and key are not.
        const login = await postJson(`${second.url}/api/login`, { identifier: 'durable', password: 'survives a restart' });
        expect(login.status).toBe(200);
        expect(login.json.data.user.id).toBe(registered.json.data.user.id);
        const refreshed = await postJson(`${second.url}/api/refresh`, { refreshToken: registered.json.data.refreshToken });
        expect(refreshed.status).toBe(200);
        expect((await call(`${second.url}/api/user`, { headers: bearer(refreshed.json.data.accessToken) })).status).toBe(200);
        const jwks = await call(`${second.url}/.well-known/jwks.json`);
        const firstKid = JSON.parse(Buffer.from(String(registered.json.data.accessToken).split('.')[0] ?? '', 'base64url').toString()).kid;
        expect(jwks.json.keys.map((key: { kid: string }) => key.kid)).toContain(firstKid);
      } finally {
        expect(await second.stop()).toBe(0);
      }
    }));

  it('keeps nothing with DATA_DIR=:memory:', async () => {
    const first = await startStackProcess({ dataDir: ':memory:' });
    await postJson(`${first.url}/api/register`, { identifier: 'ephemeral', password: 'gone after stop' });
    await first.stop();
    const second = await startStackProcess({ dataDir: ':memory:' });
    try {
      expect((await postJson(`${second.url}/api/login`, { identifier: 'ephemeral', password: 'gone after stop' })).status).toBe(401);
    } finally {
      await second.stop();
    }
  });
});
