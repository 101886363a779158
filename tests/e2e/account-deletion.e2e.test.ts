import { bearer, call, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { openSocket, type TestSocket } from '../support/socket-client';
import { useInspectedStack } from '../support/stack-inspector';
import { waitUntil } from '../support/wait-until';

const e2e = useInspectedStack();

const PASSWORD = 'a perfectly fine passphrase';

async function newUser(identifier: string) {
  const reply = await postJson(`${e2e.stack.url}/api/register`, { identifier, password: PASSWORD });
  expect(reply.status).toBe(201);
  return reply.json.data as { user: { id: string }; accessToken: string; refreshToken: string };
}

async function uploadAvatar(accessToken: string): Promise<string> {
  const reply = await call(`${e2e.stack.url}/api/user/avatar`, {
    method: 'POST',
    headers: { ...bearer(accessToken), 'content-type': 'image/png' },
    body: await pngImage(),
  });
  expect(reply.status).toBe(200);
  return reply.json.data.avatarUrl;
}

describe('account deletion (embedded stack)', () => {
  it('removes everything of the user at once: record, identifier, tokens, avatar objects and open sockets', async () => {
    const account = await newUser('soon-gone@example.com');
    const login = await postJson(`${e2e.stack.url}/api/login`, { identifier: 'soon-gone@example.com', password: PASSWORD });
    const avatarUrl = await uploadAvatar(account.accessToken);
    // A pending direct upload, too: it must not survive either.
    const { url, fields } = (await call(`${e2e.stack.url}/api/user/avatar/upload`, { method: 'POST', headers: bearer(account.accessToken) })).json.data;
    const sockets: TestSocket[] = [await openSocket(e2e.stack.websocketUrl, account.accessToken), await openSocket(e2e.stack.websocketUrl, login.json.data.accessToken, 'query')];
    expect(await e2e.look.itemsOf(account.user.id)).not.toHaveLength(0);
    expect(await e2e.look.objectKeys(`avatars/${account.user.id}/`)).toHaveLength(1);

    const deleted = await call(`${e2e.stack.url}/api/user`, { method: 'DELETE', headers: bearer(account.accessToken) });
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ status: 'success', data: null });

    for (const socket of sockets) {
      expect(await socket.next((m: { type: string }) => m.type === 'user.deleted')).toEqual({ type: 'user.deleted' });
      expect((await socket.closed).code).toBe(1000);
    }
    for (const token of [account.accessToken, login.json.data.accessToken]) {
      const profile = await call(`${e2e.stack.url}/api/user`, { headers: bearer(token) });
      expect(profile.status).toBe(401);
      await expect(openSocket(e2e.stack.websocketUrl, token)).rejects.toMatchObject({ status: 401 });
    }
    expect((await postJson(`${e2e.stack.url}/api/refresh`, { refreshToken: account.refreshToken })).status).toBe(401);
    expect((await postJson(`${e2e.stack.url}/api/login`, { identifier: 'soon-gone@example.com', password: PASSWORD })).status).toBe(401);
    expect((await call(avatarUrl)).status).toBe(404);

    // An upload that lands after the deletion is judged, found ownerless, and removed.
    const form = new FormData();
    for (const [name, value] of Object.entries(fields as Record<string, string>)) form.append(name, value);
    form.append('file', new Blob([await pngImage()]), 'late.png');
    expect((await fetch(url, { method: 'POST', body: form })).status).toBe(204);
    await waitUntil(async () => (await e2e.look.objectKeys(`uploads/${account.user.id}/`)).length === 0);

    expect(await e2e.look.itemsOf(account.user.id)).toEqual([]);
    expect(await e2e.look.objectKeys(`avatars/${account.user.id}/`)).toEqual([]);
    expect(await e2e.look.objectKeys(`uploads/${account.user.id}/`)).toEqual([]);

    // The identifier is free again, and the old account's tokens stay dead for the new one.
    const reborn = await newUser('soon-gone@example.com');
    expect(reborn.user.id).not.toBe(account.user.id);
    expect((await call(`${e2e.stack.url}/api/user`, { headers: bearer(account.accessToken) })).status).toBe(401);
    expect((await postJson(`${e2e.stack.url}/api/refresh`, { refreshToken: account.refreshToken })).status).toBe(401);
    // Deleting again with the old token is refused: that account no longer exists.
    expect((await call(`${e2e.stack.url}/api/user`, { method: 'DELETE', headers: bearer(account.accessToken) })).status).toBe(401);
  });

  it('leaves no live socket and no connection record when sockets connect in a loop during the deletion', async () => {
    const account = await newUser('racing-sockets');
    const opened: TestSocket[] = [];
    let refused = 0;
    let deleting = true;
    const connectLoop = async () => {
      while (deleting) {
        try {
          opened.push(await openSocket(e2e.stack.websocketUrl, account.accessToken));
        } catch (error) {
          if ((error as { status?: number }).status !== 401) throw error;
          refused++;
        }
      }
    };
    const loops = Array.from({ length: 4 }, connectLoop);
    await new Promise((resolve) => setTimeout(resolve, 150)); // let some sockets in first
    const deleted = await call(`${e2e.stack.url}/api/user`, { method: 'DELETE', headers: bearer(account.accessToken) });
    await new Promise((resolve) => setTimeout(resolve, 150)); // and keep trying after it
    deleting = false;
    await Promise.all(loops);

    expect(deleted.status).toBe(200);
    expect(opened.length).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    // Every socket that got in was closed by the deletion (or refused on its re-check).
    await Promise.all(opened.map((socket) => socket.closed));
    expect(opened.every((socket) => socket.socket.readyState === socket.socket.CLOSED)).toBe(true);
    expect(await e2e.look.itemsOf(account.user.id)).toEqual([]);
  });
});
