import { bearer, call, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { openSocket } from '../support/socket-client';
import { useInspectedStack } from '../support/stack-inspector';

/**
 * `GET /api/user/export` over real HTTP: an account used the way an app uses one (two devices, a socket, an
 * avatar, a pending upload form) is exported whole, every item the table holds for it accounted for, and
 * nothing in it a secret.
 */
const e2e = useInspectedStack();
const PASSWORD = 'a perfectly fine passphrase';

describe('GET /api/user/export (embedded stack)', () => {
  it('holds everything of the account, nothing secret, and asks to be saved as a file', async () => {
    const signUp = await postJson(`${e2e.stack.url}/api/register`, { identifier: 'exporter@example.com', password: PASSWORD });
    expect(signUp.status).toBe(201);
    const userId: string = signUp.json.data.user.id;
    const device = await postJson(`${e2e.stack.url}/api/login`, { identifier: 'exporter@example.com', password: PASSWORD });
    const { accessToken, refreshToken } = device.json.data as { accessToken: string; refreshToken: string };
    const avatar = await call(`${e2e.stack.url}/api/user/avatar`, {
      method: 'POST',
      headers: { ...bearer(accessToken), 'content-type': 'image/png' },
      body: await pngImage(),
    });
    expect(avatar.status).toBe(200);
    const form = await call(`${e2e.stack.url}/api/user/avatar/upload`, { method: 'POST', headers: bearer(accessToken) });
    expect(form.status).toBe(200);
    const added = await postJson(`${e2e.stack.url}/api/user/identifiers`, { identifier: '+44 20 7946 0111' }, bearer(accessToken));
    expect(added.status).toBe(201);
    const socket = await openSocket(e2e.stack.websocketUrl, accessToken);
    // A password change from this device ends the sign-up's session: the export shows it ended, and why.
    const changed = await postJson(`${e2e.stack.url}/api/user/password`, { currentPassword: PASSWORD, newPassword: 'another fine passphrase' }, bearer(accessToken));
    expect(changed.status).toBe(200);

    const answer = await call(`${e2e.stack.url}/api/user/export`, { headers: bearer(accessToken) });
    socket.close();
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-disposition')).toBe(`attachment; filename="halo-account-${userId}.json"`);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const exported = answer.json.data.export;

    expect(exported.account).toEqual({ id: userId, status: 'active', registeredAt: signUp.json.data.user.registeredAt, passwordChangedAt: expect.any(String) });
    expect(exported.identifiers).toEqual([
      { type: 'email', value: 'exporter@example.com', addedAt: expect.any(String) },
      { type: 'phone', value: '+442079460111', addedAt: expect.any(String) },
    ]);
    expect(exported.avatar).toEqual({ url: avatar.json.data.avatarUrl, version: expect.any(String) });
    expect(exported.uploadForms).toEqual([{ uploadId: String(form.json.data.fields.key).split('/').pop(), expiresAt: expect.any(String), inUse: false }]);
    expect(exported.sockets).toEqual([expect.objectContaining({ connectedAt: expect.any(String) })]);
    expect(exported.otherRecords).toEqual([]);

    // Every item the table holds for the user is in the export: each session, each refresh token (by its
    // dates), each socket, each upload form; the claim is the identifier, the user item the account.
    const items = await e2e.look.itemsOf(userId);
    const count = (prefix: string) => items.filter((item) => String(item.pk).startsWith(prefix)).length;
    expect(exported.sessions).toHaveLength(count('RTF#'));
    expect(exported.sessions).toHaveLength(2);
    expect(exported.sessions.flatMap((session: { refreshTokens: unknown[] }) => session.refreshTokens)).toHaveLength(count('RT#'));
    expect(exported.sockets).toHaveLength(count('CONN#'));
    expect(exported.uploadForms).toHaveLength(count('UPLOAD#'));
    expect(exported.identifiers).toHaveLength(count('IDENT#'));
    expect(exported.sessions).toEqual([
      expect.objectContaining({ current: false, endedFor: 'password_changed', endedAt: expect.any(String), createdAt: expect.any(String) }),
      expect.objectContaining({ current: true, endedFor: null, endedAt: null, lastUsedAt: expect.any(String) }),
    ]);

    // Nothing that would let its holder act as the user: no token, no hash, no stored secret attribute.
    const passwordHash = String(items.find((item) => item.sk === 'USER')?.passwordHash);
    expect(passwordHash).toMatch(/^\$argon2id\$/);
    for (const secret of [accessToken, refreshToken, signUp.json.data.refreshToken, passwordHash]) {
      expect(answer.text).not.toContain(secret);
    }
    for (const item of items.filter((item) => String(item.pk).startsWith('RT#'))) {
      expect(answer.text).not.toContain(String(item.pk).slice('RT#'.length));
    }
  });

  it('answers 401 without a valid access token', async () => {
    const answer = await call(`${e2e.stack.url}/api/user/export`, { headers: bearer('not-a-token') });
    expect(answer.status).toBe(401);
    expect(answer.json.status).toBe('fail');
  });
});
