import { bearer, call, postJson } from '../support/http';
import { jpegImage, pngImage } from '../support/images';
import { findOrphans } from '../support/orphan-scan';
import { useInspectedStack } from '../support/stack-inspector';
import { waitUntil } from '../support/wait-until';

const e2e = useInspectedStack();

describe('racing avatar uploads over HTTP (embedded stack)', () => {
  it('ends with one avatar, the newest one answered 200, and no object of the losers in the bucket', async () => {
    const registered = await postJson(`${e2e.stack.url}/api/register`, { identifier: 'racing-uploads', password: 'a perfectly fine passphrase' });
    expect(registered.status).toBe(201);
    const { user, accessToken } = registered.json.data as { user: { id: string }; accessToken: string };
    const images = await Promise.all([pngImage(30, 30), jpegImage(40, 40), pngImage(50, 50), jpegImage(60, 60), pngImage(70, 70), jpegImage(80, 80)]);

    const replies = await Promise.all(
      images.map((body, i) =>
        call(`${e2e.stack.url}/api/user/avatar`, {
          method: 'POST',
          headers: { ...bearer(accessToken), 'content-type': i % 2 ? 'image/jpeg' : 'image/png' },
          body,
        }),
      ),
    );
    expect(replies.map((reply) => reply.status).filter((status) => status !== 200 && status !== 409)).toEqual([]);
    const won = replies.filter((reply) => reply.status === 200).map((reply) => String(reply.json.data.avatarUrl));
    expect(won.length).toBeGreaterThanOrEqual(1);
    for (const lost of replies.filter((reply) => reply.status === 409)) expect(lost.json.data).toHaveProperty('avatar');

    // Versions sort by time and only move forward: the newest upload that was answered 200 is the avatar.
    const newest = [...won].sort().at(-1) ?? '';
    const profile = await call(`${e2e.stack.url}/api/user`, { headers: bearer(accessToken) });
    expect(profile.json.data.user.avatarUrl).toBe(newest);
    expect((await call(newest, { redirect: 'manual' })).status).toBe(302);

    // Once the S3 events have run, the bucket holds that one version and nothing else of the user.
    const version = newest.split('/').at(-1);
    await waitUntil(async () => {
      const keys = await e2e.look.objectKeys(`avatars/${user.id}/`);
      return keys.length === 1 && keys[0] === `avatars/${user.id}/${version}.webp`;
    });
    for (const older of won.filter((url) => url !== newest)) expect((await call(older, { redirect: 'manual' })).status).toBe(404);
    expect(findOrphans({ items: await e2e.look.items(), objectKeys: await e2e.look.objectKeys(), now: new Date() })).toEqual([]);
  });
});

describe('a password change racing the other devices over HTTP (embedded stack)', () => {
  it('whatever the order, nothing of the other devices works afterwards (refreshes and logins with the old password included)', async () => {
    const PASSWORD = 'a perfectly fine passphrase';
    const url = e2e.stack.url;
    const registered = await postJson(`${url}/api/register`, { identifier: 'racing-password', password: PASSWORD });
    expect(registered.status).toBe(201);
    const caller = registered.json.data as { accessToken: string; refreshToken: string };
    const others = await Promise.all(
      [1, 2, 3].map(async () => (await postJson(`${url}/api/login`, { identifier: 'racing-password', password: PASSWORD })).json.data as { refreshToken: string }),
    );

    const [changed, ...raced] = await Promise.all([
      postJson(`${url}/api/user/password`, { currentPassword: PASSWORD, newPassword: 'a brand new passphrase 2026' }, bearer(caller.accessToken)),
      ...others.map((other) => postJson(`${url}/api/refresh`, { refreshToken: other.refreshToken })),
      postJson(`${url}/api/login`, { identifier: 'racing-password', password: PASSWORD }),
      postJson(`${url}/api/login`, { identifier: 'racing-password', password: PASSWORD }),
    ]);
    expect(changed?.status).toBe(200);
    for (const reply of raced) {
      expect([200, 401]).toContain(reply.status);
      if (reply.status !== 200) continue;
      // A refresh or a login that got through while the change ran holds tokens that no longer work.
      const { accessToken, refreshToken } = reply.json.data as { accessToken: string; refreshToken: string };
      expect((await call(`${url}/api/user`, { headers: bearer(accessToken) })).status).toBe(401);
      expect((await postJson(`${url}/api/refresh`, { refreshToken })).status).toBe(401);
    }
    for (const other of others) expect((await postJson(`${url}/api/refresh`, { refreshToken: other.refreshToken })).status).toBe(401);
    expect((await call(`${url}/api/user`, { headers: bearer(caller.accessToken) })).status).toBe(200);
    expect((await postJson(`${url}/api/login`, { identifier: 'racing-password', password: PASSWORD })).status).toBe(401);
  });
});

describe('racing for one identifier over HTTP (embedded stack)', () => {
  const PASSWORD = 'a perfectly fine passphrase';
  const signUp = (identifier: string) => postJson(`${e2e.stack.url}/api/register`, { identifier, password: PASSWORD });

  it('two accounts adding it and two sign-ups at once: exactly one wins, and it logs in to the winner only', async () => {
    const accounts = await Promise.all(['ident-racer-a', 'ident-racer-b'].map(async (nickname) => (await signUp(nickname)).json.data));
    const replies = await Promise.all([
      ...accounts.map((account) =>
        postJson(`${e2e.stack.url}/api/user/identifiers`, { identifier: 'Contested@Race.example' }, bearer(account.accessToken)),
      ),
      signUp('contested@race.example'),
      signUp('CONTESTED@race.example'),
    ]);
    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 409, 409, 409]);
    for (const lost of replies.filter((reply) => reply.status === 409)) {
      expect(lost.json).toEqual({ status: 'fail', data: { identifier: 'this email is already registered' } });
    }
    const winner = replies.find((reply) => reply.status === 201)?.json.data.user.id;
    const loggedIn = await postJson(`${e2e.stack.url}/api/login`, { identifier: 'contested@race.example', password: PASSWORD });
    expect(loggedIn.json.data.user.id).toBe(winner);
    expect(findOrphans({ items: await e2e.look.items(), objectKeys: await e2e.look.objectKeys(), now: new Date() })).toEqual([]);
  });
});
