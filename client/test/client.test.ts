import { ApiGatewayManagementApiClient, DeleteConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { WebSocket } from 'ws';
import { startStackProcess, type RunningStack } from '../../tests/support/embedded-stack-process';
import { pngImage } from '../../tests/support/images';
import { inspect } from '../../tests/support/stack-inspector';
import { waitUntil } from '../../tests/support/wait-until';
import { HaloClient, HaloError, SessionEndedError, memoryTokenStore, type WebSocketConstructor } from '../src/index';

/**
 * The client library against the embedded stack (`npm start`'s own code, in a child process), in Node:
 * what a front-end or mobile developer does with it, end to end. The browser-only parts (XHR progress,
 * Web Locks across tabs) are in client/test/browser.test.ts.
 */
const PASSWORD = 'a client library passphrase';
let stack: RunningStack;
let look: ReturnType<typeof inspect>;
let management: ApiGatewayManagementApiClient;
let signUps = 0;

beforeAll(async () => {
  stack = await startStackProcess();
  look = inspect(stack);
  management = new ApiGatewayManagementApiClient({ endpoint: stack.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  management?.destroy();
  look?.close();
  await stack?.stop();
});

/** A client whose requests are counted by path, and whose clock can be moved. */
function newClient(options: { now?: () => number } = {}) {
  const requests: string[] = [];
  const client = new HaloClient({
    baseUrl: stack.url,
    socketUrl: stack.websocketUrl,
    tokenStore: memoryTokenStore(),
    now: options.now,
    fetch: (url, init) => {
      requests.push(`${init.method ?? 'GET'} ${new URL(url).pathname}`);
      return fetch(url, init);
    },
  });
  return { client, requests };
}

const socketOptions = { WebSocket: WebSocket as unknown as WebSocketConstructor, backoffBaseMs: 20, backoffMaxMs: 200 };

describe('HaloClient against the embedded stack (Node)', () => {
  it('registers, reads the profile, logs out (the session ends on the server) and logs in again', async () => {
    const { client } = newClient();
    const identifier = `client-${++signUps}@example.com`;
    const user = await client.register(identifier, PASSWORD);
    expect(user).toMatchObject({ identifier, identifierType: 'email', avatarUrl: null });
    const stored = await client.tokenStore.get();
    await expect(client.getUser()).resolves.toEqual(user);

    await client.logout();
    expect(await client.isSignedIn()).toBe(false);
    await expect(client.getUser()).rejects.toBeInstanceOf(SessionEndedError);
    // The revoked pair is refused by Halo too, not only forgotten here.
    const replay = await fetch(`${stack.url}/api/user`, { headers: { authorization: `Bearer ${stored?.accessToken}` } });
    expect(replay.status).toBe(401);

    await expect(client.login(identifier.toUpperCase(), PASSWORD)).resolves.toEqual(user);
    await expect(client.getUser()).resolves.toEqual(user);
  });

  it('exports the account: the data, typed, with the current session marked', async () => {
    const { client } = newClient();
    const identifier = `client-${++signUps}@example.com`;
    const user = await client.register(identifier, PASSWORD);
    const exported = await client.exportAccount();
    expect(exported.account.id).toBe(user.id);
    expect(exported.identifiers.map((entry) => entry.value)).toEqual([identifier]);
    expect(exported.sessions.filter((session) => session.current)).toHaveLength(1);
  });

  it('signs up by phone number and nickname too', async () => {
    await expect(newClient().client.register('+44 20 7946 0123', PASSWORD)).resolves.toMatchObject({ identifierType: 'phone', identifier: '+442079460123' });
    await expect(newClient().client.register('nick_client', PASSWORD)).resolves.toMatchObject({ identifierType: 'nickname' });
  });

  it('adds and removes identifiers (the socket hears each change), and logs in by any of them', async () => {
    const { client } = newClient();
    const nickname = `idents_${++signUps}`;
    await client.register(nickname, PASSWORD);
    const socket = client.connect(socketOptions);
    await socket.next('open');
    const changed = socket.next('identifiers.changed', (event) => event.identifiers.length === 2);
    const user = await client.addIdentifier(`${nickname}@Example.com`);
    expect(user.identifiers.map((identifier) => identifier.value)).toEqual([nickname, `${nickname}@example.com`]);
    expect((await changed).identifiers).toEqual([{ type: 'nickname', value: nickname }, { type: 'email', value: `${nickname}@example.com` }]);
    await expect(newClient().client.login(`${nickname}@example.com`, PASSWORD)).resolves.toMatchObject({ id: user.id });

    const taken = (await newClient().client.register(`${nickname}@example.com`, PASSWORD).catch((error: unknown) => error)) as HaloError;
    expect(taken.status).toBe(409);
    expect((await client.removeIdentifier(nickname)).identifiers).toHaveLength(1);
    const last = (await client.removeIdentifier(`${nickname}@example.com`).catch((error: unknown) => error)) as HaloError;
    expect(last).toMatchObject({ status: 409, fields: { identifier: expect.any(String) } });
    socket.close();
  });

  it('raises HaloError with the status and the JSend fields naming what is wrong', async () => {
    const { client } = newClient();
    const refused = await client.login('nobody-here@example.com', 'wrong password').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HaloError);
    expect(refused).toMatchObject({ status: 401, jsend: 'fail', fields: { credentials: expect.any(String) } });
    const invalid = (await client.register('x', 'short').catch((error: unknown) => error)) as HaloError;
    expect(invalid.status).toBe(400);
    expect(Object.keys(invalid.fields).length).toBeGreaterThan(0);
  });

  it('refreshes before expiry, once for any number of concurrent callers', async () => {
    let now = Date.now();
    const { client, requests } = newClient({ now: () => now });
    await client.register(`client-${++signUps}@example.com`, PASSWORD);
    const first = await client.tokenStore.get();
    now = (first?.expiresAt ?? 0) - 30_000; // inside the 60 s margin
    const tokens = await Promise.all(Array.from({ length: 5 }, () => client.accessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first?.accessToken);
    expect(requests.filter((request) => request === 'POST /api/refresh')).toHaveLength(1);
    await expect(client.getUser()).resolves.toBeDefined();
  });

  it('uploads an avatar through Halo, and directly to storage with progress; the socket announces the direct one', async () => {
    const { client } = newClient();
    await client.register(`client-${++signUps}@example.com`, PASSWORD);
    const through = await client.uploadAvatar(await pngImage(30, 30), { contentType: 'image/png' });
    expect(through.user.avatarUrl).toBe(through.avatarUrl);

    const socket = client.connect(socketOptions);
    await socket.next('open');
    const progress: number[] = [];
    const changed = socket.next('avatar.changed', (event) => event.avatarUrl !== through.avatarUrl); // the first upload is announced too
    const { uploadId } = await client.uploadAvatarDirect(await pngImage(50, 40), { contentType: 'image/png', onProgress: (fraction) => progress.push(fraction) });
    expect(uploadId).toMatch(/\S/);
    expect(progress.at(-1)).toBe(1);
    const event = await changed;
    expect((await client.getUser()).avatarUrl).toBe(event.avatarUrl);
    socket.close();
  });

  it('keeps the socket alive with ping/pong, and reconnects after the server closes it', async () => {
    const { client } = newClient();
    const user = await client.register(`client-${++signUps}@example.com`, PASSWORD);
    const socket = client.connect(socketOptions);
    await socket.next('open');
    const pong = socket.next('pong');
    socket.ping();
    await expect(pong).resolves.toEqual({ type: 'pong' });

    const connections = async () => (await look.itemsOf(user.id)).filter((item) => String(item.pk).startsWith('CONN#'));
    await waitUntil(async () => (await connections()).length === 1);
    const [record] = await connections();
    const closed = socket.next('close');
    const reopened = socket.next('open');
    await management.send(new DeleteConnectionCommand({ ConnectionId: String(record?.connectionId) }));
    expect(await closed).toMatchObject({ code: 1000, why: 'the server closed the socket' });
    await reopened;
    expect(socket.isOpen).toBe(true);
    const again = socket.next('pong');
    socket.ping();
    await again;
    socket.close();
  });

  it('refreshes before reconnecting when the handshake was refused for the token (which a browser sees only as 1006)', async () => {
    const { client, requests } = newClient();
    await client.register(`client-${++signUps}@example.com`, PASSWORD);
    const good = await client.tokenStore.get();
    // A token Halo refuses (its signature broken) though it is not yet expired: only asking Halo tells why.
    if (!good) throw new Error('no tokens');
    await client.tokenStore.set({ ...good, accessToken: `${good.accessToken.slice(0, -4)}AAAA` });
    const socket = client.connect(socketOptions);
    const refused = socket.next('close');
    await socket.next('open');
    expect(await refused).toMatchObject({ code: 1006, why: 'the token was refused: refreshed it' });
    expect(requests).toEqual(expect.arrayContaining(['GET /api/user', 'POST /api/refresh']));
    socket.close();
  });

  it('lists sessions, changes the password (the other device hears session.ended and is signed out), ends sessions', async () => {
    const identifier = `client-${++signUps}@example.com`;
    const { client: laptop } = newClient();
    const { client: phone } = newClient();
    await laptop.register(identifier, PASSWORD);
    await phone.login(identifier, PASSWORD);
    const sessions = await laptop.listSessions();
    expect(sessions.map((session) => session.current)).toEqual([false, true]);

    const phoneSocket = phone.connect(socketOptions);
    const laptopSocket = laptop.connect(socketOptions);
    await Promise.all([phoneSocket.next('open'), laptopSocket.next('open')]);
    const ended = phoneSocket.next('session.ended');
    const changed = laptopSocket.next('password.changed');
    await expect(laptop.changePassword(PASSWORD, 'a brand new passphrase 2026')).resolves.toEqual({ endedSessions: 1 });
    expect(await ended).toEqual({ reason: 'password_changed' });
    expect(await changed).toEqual({ changedAt: expect.any(String) });
    await expect(phone.getUser()).rejects.toBeInstanceOf(SessionEndedError);
    await expect(laptop.changePassword('wrong password!', 'another new passphrase')).rejects.toMatchObject({ status: 403, fields: { currentPassword: 'is wrong' } });

    await phone.login(identifier, 'a brand new passphrase 2026');
    await expect(laptop.endOtherSessions()).resolves.toEqual({ endedSessions: 1 });
    const own = (await laptop.listSessions()).find((session) => session.current)?.id ?? '';
    await laptop.endSession(own);
    expect(await laptop.isSignedIn()).toBe(false);
    laptopSocket.close();
  });

  it('deletes the account: the socket hears user.deleted and stays closed, and the tokens are gone', async () => {
    const { client } = newClient();
    await client.register(`client-${++signUps}@example.com`, PASSWORD);
    const socket = client.connect(socketOptions);
    await socket.next('open');
    const deleted = socket.next('user.deleted');
    const ended = socket.next('ended');
    await client.deleteAccount();
    await deleted;
    expect(await ended).toEqual({ reason: 'the account was deleted' });
    expect(await client.isSignedIn()).toBe(false);
  });
});
