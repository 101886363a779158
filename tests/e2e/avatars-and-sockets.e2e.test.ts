import { API_AVATAR_BODY_MAX_BYTES } from '#functions/common/avatar-body';
import { bearer, call, postJson } from '../support/http';
import { HTML, jpegImage, pngImage, pngOfSize, SVG } from '../support/images';
import { openSocket, type TestSocket } from '../support/socket-client';
import { useInspectedStack } from '../support/stack-inspector';

const e2e = useInspectedStack();

async function newUser(identifier: string) {
  const reply = await postJson(`${e2e.stack.url}/api/register`, { identifier, password: 'a perfectly fine passphrase' });
  expect(reply.status).toBe(201);
  return reply.json.data as { user: { id: string }; accessToken: string; refreshToken: string };
}

const changedTo = (url: string) => (m: { type: string; data?: { avatarUrl?: string } }) => m.type === 'avatar.changed' && m.data?.avatarUrl === url;

function multipart(bytes: Buffer, field = 'avatar', filename = 'me.png') {
  const form = new FormData();
  form.append(field, new Blob([bytes]), filename);
  return form;
}

describe('avatars and the live socket (embedded stack)', () => {
  let account: Awaited<ReturnType<typeof newUser>>;
  let phone: TestSocket;
  let laptop: TestSocket;

  beforeAll(async () => {
    account = await newUser('picture-person');
    phone = await openSocket(e2e.stack.websocketUrl, account.accessToken, 'subprotocol');
    laptop = await openSocket(e2e.stack.websocketUrl, account.accessToken, 'query');
  });
  afterAll(() => {
    phone.close();
    laptop.close();
  });

  it('accepts the token as a subprotocol (echoing halo.bearer) or as ?access_token=, and answers pings', async () => {
    expect(phone.socket.protocol).toBe('halo.bearer');
    expect(laptop.socket.protocol).toBe('');
    phone.socket.send(JSON.stringify({ action: 'ping' }));
    expect(await phone.next((m: { type: string }) => m.type === 'pong')).toEqual({ type: 'pong' });
    phone.socket.send('not json');
    expect((await phone.next((m: { type: string }) => m.type === 'error')).data.message).toMatch(/ping/);
  });

  it('refuses the handshake for a missing or bad token with 401', async () => {
    await expect(openSocket(e2e.stack.websocketUrl, 'not-a-token')).rejects.toMatchObject({ status: 401 });
    await expect(openSocket(e2e.stack.websocketUrl, '', 'query')).rejects.toMatchObject({ status: 401 });
  });

  it('tells both sockets about a multipart upload, and serves the avatar through its public URL', async () => {
    const reply = await call(`${e2e.stack.url}/api/user/avatar`, {
      method: 'POST',
      headers: bearer(account.accessToken),
      body: multipart(await pngImage(1200, 800)),
    });
    expect(reply.status).toBe(200);
    const { avatarUrl, user } = reply.json.data;
    expect(avatarUrl).toMatch(new RegExp(`^${e2e.stack.url}/avatars/${account.user.id}/[0-9a-z]{9}-[0-9a-f]{12}$`));
    expect(user.avatarUrl).toBe(avatarUrl);

    for (const socket of [phone, laptop]) {
      const message = await socket.next(changedTo(avatarUrl));
      expect(message).toEqual({ type: 'avatar.changed', data: { userId: account.user.id, avatarUrl, changedAt: expect.any(String) } });
    }
    expect((await call(`${e2e.stack.url}/api/user`, { headers: bearer(account.accessToken) })).json.data.user.avatarUrl).toBe(avatarUrl);

    const redirect = await call(avatarUrl, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toMatch(/X-Amz-Expires=300/);
    const image = await fetch(avatarUrl); // no auth: an <img src> must work
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/webp');
    const bytes = Buffer.from(await image.arrayBuffer());
    expect(bytes.subarray(8, 12).toString()).toBe('WEBP');
  });

  it('takes a raw image body too, gives it a new URL, and retires the old one', async () => {
    const before = (await call(`${e2e.stack.url}/api/user`, { headers: bearer(account.accessToken) })).json.data.user.avatarUrl;
    const reply = await call(`${e2e.stack.url}/api/user/avatar`, {
      method: 'POST',
      headers: { ...bearer(account.accessToken), 'content-type': 'image/jpeg' },
      body: await jpegImage(),
    });
    expect(reply.status).toBe(200);
    const { avatarUrl } = reply.json.data;
    expect(avatarUrl).not.toBe(before);
    await phone.next(changedTo(avatarUrl));
    await laptop.next(changedTo(avatarUrl));
    expect((await call(before, { redirect: 'manual' })).status).toBe(404);
    expect(await e2e.look.objectKeys(`avatars/${account.user.id}/`)).toHaveLength(1);
  });

  it('judges a direct-to-S3 upload like a direct one, then tells both sockets', async () => {
    const seenBefore = phone.messages.length;
    const presigned = await call(`${e2e.stack.url}/api/user/avatar/upload`, { method: 'POST', headers: bearer(account.accessToken) });
    expect(presigned.status).toBe(200);
    const { url, fields, expiresAt, maxBytes } = presigned.json.data;
    expect(maxBytes).toBe(5 * 1024 * 1024);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());

    const form = new FormData();
    for (const [name, value] of Object.entries(fields as Record<string, string>)) form.append(name, value);
    form.append('file', new Blob([await pngImage(300, 300)]), 'upload.png');
    expect((await fetch(url, { method: 'POST', body: form })).status).toBe(204);

    const announced = await phone.next((m: { type: string }) => m.type === 'avatar.changed', seenBefore);
    await laptop.next(changedTo(announced.data.avatarUrl));
    expect((await call(`${e2e.stack.url}/api/user`, { headers: bearer(account.accessToken) })).json.data.user.avatarUrl).toBe(announced.data.avatarUrl);
    expect(await e2e.look.objectKeys(`uploads/${account.user.id}/`)).toEqual([]);
  });

  it('deletes an invalid direct-to-S3 upload, never shows it, and says why on the socket', async () => {
    const current = (await call(`${e2e.stack.url}/api/user`, { headers: bearer(account.accessToken) })).json.data.user.avatarUrl;
    const { url, fields } = (await call(`${e2e.stack.url}/api/user/avatar/upload`, { method: 'POST', headers: bearer(account.accessToken) })).json.data;
    const form = new FormData();
    for (const [name, value] of Object.entries(fields as Record<string, string>)) form.append(name, value);
    form.append('file', new Blob([HTML]), 'evil.png');
    expect((await fetch(url, { method: 'POST', body: form })).status).toBe(204);

    const rejected = await phone.next((m: { type: string }) => m.type === 'avatar.rejected');
    expect(rejected.data.reason).toMatch(/PNG, JPEG, WebP or GIF/);
    expect(await e2e.look.objectKeys(`uploads/${account.user.id}/`)).toEqual([]);
    expect((await call(`${e2e.stack.url}/api/user`, { headers: bearer(account.accessToken) })).json.data.user.avatarUrl).toBe(current);
  });

  const refusals: [string, () => Promise<RequestInit>, number, string][] = [
    ['an SVG', async () => ({ body: multipart(SVG, 'avatar', 'x.svg') }), 415, 'avatar'],
    ['HTML claiming to be a PNG', async () => ({ body: HTML, headers: { 'content-type': 'image/png' } }), 415, 'avatar'],
    ['a truncated PNG', async () => ({ body: (await pngImage()).subarray(0, 80), headers: { 'content-type': 'image/png' } }), 400, 'avatar'],
    ['a body one byte over the API path\'s limit', async () => ({ body: await pngOfSize(API_AVATAR_BODY_MAX_BYTES + 1), headers: { 'content-type': 'image/png' } }), 413, 'avatar'],
    ['no avatar field', async () => ({ body: multipart(await pngImage(), 'picture') }), 400, 'avatar'],
    ['a text body', async () => ({ body: 'hello', headers: { 'content-type': 'text/plain' } }), 415, 'content-type'],
  ];

  it.each(refusals)('refuses %s with a JSend fail and keeps the current avatar', async (_name, init, status, field) => {
    const before = (await call(`${e2e.stack.url}/api/user`, { headers: bearer(account.accessToken) })).json.data.user.avatarUrl;
    const { body, headers } = await init();
    const reply = await call(`${e2e.stack.url}/api/user/avatar`, { method: 'POST', body, headers: { ...bearer(account.accessToken), ...(headers as object) } });
    expect(reply.status).toBe(status);
    expect(reply.json.status).toBe('fail');
    expect(Object.keys(reply.json.data)).toContain(field);
    expect((await call(`${e2e.stack.url}/api/user`, { headers: bearer(account.accessToken) })).json.data.user.avatarUrl).toBe(before);
  });

  describe('the API path\'s upload limit, which holds on AWS (what a Lambda event can carry)', () => {
    const upload = (body: Uint8Array, contentType: string) =>
      call(`${e2e.stack.url}/api/user/avatar`, { method: 'POST', body, headers: { ...bearer(account.accessToken), 'content-type': contentType } });
    const currentAvatar = async () => (await call(`${e2e.stack.url}/api/user`, { headers: bearer(account.accessToken) })).json.data.user.avatarUrl;

    it('takes a raw PNG of exactly the limit', async () => {
      const reply = await upload(await pngOfSize(API_AVATAR_BODY_MAX_BYTES), 'image/png');
      expect(reply.status).toBe(200);
      expect(await currentAvatar()).toBe(reply.json.data.avatarUrl);
    });

    it('takes a multipart form of exactly the limit (the form\'s framing counts)', async () => {
      const framing = async (file: Buffer) => {
        const form = new Response(multipart(file));
        return { type: form.headers.get('content-type') ?? '', body: new Uint8Array(await form.arrayBuffer()) };
      };
      const overhead = (await framing(Buffer.alloc(0))).body.byteLength;
      const form = await framing(await pngOfSize(API_AVATAR_BODY_MAX_BYTES - overhead));
      expect(form.body.byteLength).toBe(API_AVATAR_BODY_MAX_BYTES);
      expect((await upload(form.body, form.type)).status).toBe(200);
    });

    it('leaves a body whose event would be over Lambda\'s 6 MB to API Gateway: its own 413, the function never runs', async () => {
      const before = await currentAvatar();
      const reply = await upload(await pngOfSize(4_771_821), 'image/png');
      expect(reply.status).toBe(413);
      expect(reply.headers.get('apigw-requestid')).toEqual(expect.any(String));
      expect(reply.json).toEqual({ message: 'Request Entity Too Large' });
      expect(await currentAvatar()).toBe(before);
    });
  });

  it('answers 404 for avatar URLs that were never issued', async () => {
    expect((await call(`${e2e.stack.url}/avatars/${account.user.id}/0000000aa-000000000000`)).status).toBe(404);
    expect((await call(`${e2e.stack.url}/avatars/not-a-user/whatever`)).status).toBe(404);
  });
});
