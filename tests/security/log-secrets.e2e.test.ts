import { randomUUID } from 'node:crypto';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { bearer, call, postForm, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { findKnownSecrets, findSecretShapes, type KnownSecret } from '../support/secret-scan';
import { openSocket } from '../support/socket-client';

/**
 * A whole account life against the embedded stack at its most talkative (LOG_LEVEL=DEBUG, and
 * POWERTOOLS_LOGGER_LOG_EVENT=true, which must change nothing), recording every password, token and
 * signature used or received; then none of them may appear in the process's output, in any encoding.
 */
let stack: RunningStack;
const secrets: KnownSecret[] = [];
const remember = (label: string, value: unknown) => {
  expect(typeof value).toBe('string');
  secrets.push({ label, value: String(value) });
  return String(value);
};
const signatureOf = (url: string) => remember('presigned URL signature', new URL(url).searchParams.get('X-Amz-Signature'));

beforeAll(async () => {
  // No refresh grace window: the replay below is refused (and its refusal logged) at once.
  stack = await startStackProcess({ env: { LOG_LEVEL: 'DEBUG', POWERTOOLS_LOGGER_LOG_EVENT: 'true', REFRESH_REUSE_GRACE_SECONDS: '0' } });
});
afterAll(() => stack?.stop()); // stopped already when the test ran to its end

async function lifeOfAnAccount(): Promise<void> {
  const api = `${stack.url}/api`;
  const identifier = `log-secrets-${randomUUID().slice(0, 8)}@example.com`;
  const password = remember('password', `lantern ${randomUUID()} orchard`);

  const registered = await postJson(`${api}/register`, { identifier, password });
  expect(registered.status).toBe(201);
  remember('access token (register)', registered.json.data.accessToken);
  remember('refresh token (register)', registered.json.data.refreshToken);

  for (const attempt of [1, 2]) {
    const wrong = remember(`wrong password ${attempt}`, `wrong ${randomUUID()} guess`);
    expect((await postJson(`${api}/login`, { identifier, password: wrong })).status).toBe(401);
  }
  // A body the parser refuses, with the password inside it.
  const malformed = await call(`${api}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"identifier":"${identifier}","password":"${password}"` });
  expect(malformed.status).toBe(400);

  const login = await postJson(`${api}/login`, { identifier, password });
  expect(login.status).toBe(200);
  remember('access token (login)', login.json.data.accessToken);
  const firstRefresh = remember('refresh token (login)', login.json.data.refreshToken);

  // Field names are logged when refused (`fields`): here a token is one, as a careless client might send it.
  expect((await postJson(`${api}/refresh`, { refreshToken: firstRefresh, [login.json.data.accessToken]: true })).status).toBe(400);

  const refreshed = await postJson(`${api}/refresh`, { refreshToken: firstRefresh });
  expect(refreshed.status).toBe(200);
  remember('access token (refresh)', refreshed.json.data.accessToken);
  remember('refresh token (refresh)', refreshed.json.data.refreshToken);
  expect((await postJson(`${api}/refresh`, { refreshToken: firstRefresh })).status).toBe(401); // reuse: the session ends

  const granted = await postForm(`${stack.url}/oauth/token`, { grant_type: 'password', username: identifier, password });
  expect(granted.status).toBe(200);
  remember('access token (password grant)', granted.json.access_token);
  const grantedRefresh = remember('refresh token (password grant)', granted.json.refresh_token);
  const rotated = await postForm(`${stack.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: grantedRefresh });
  expect(rotated.status).toBe(200);
  const revokedAccess = remember('access token (refresh grant)', rotated.json.access_token);
  const revokedRefresh = remember('refresh token (refresh grant)', rotated.json.refresh_token);
  expect((await postForm(`${stack.url}/oauth/revoke`, { token: revokedRefresh })).status).toBe(200);
  expect((await call(`${api}/user`, { headers: bearer(revokedAccess) })).status).toBe(401);

  const session = await postJson(`${api}/login`, { identifier, password });
  const accessToken = remember('access token (second login)', session.json.data.accessToken);
  remember('refresh token (second login)', session.json.data.refreshToken);
  expect((await call(`${api}/user`, { headers: bearer(accessToken) })).status).toBe(200);

  const byQuery = await openSocket(stack.websocketUrl, accessToken, 'query');
  const bySubprotocol = await openSocket(stack.websocketUrl, accessToken, 'subprotocol');
  bySubprotocol.socket.send(JSON.stringify({ action: 'ping' }));
  await bySubprotocol.next((m: { type: string }) => m.type === 'pong');

  const form = new FormData();
  form.append('avatar', new Blob([await pngImage(64, 64)]), 'me.png');
  const uploaded = await call(`${api}/user/avatar`, { method: 'POST', headers: bearer(accessToken), body: form });
  expect(uploaded.status).toBe(200);
  await byQuery.next((m: { type: string }) => m.type === 'avatar.changed');
  const redirect = await call(uploaded.json.data.avatarUrl, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  signatureOf(redirect.headers.get('location') ?? '');

  const seen = byQuery.messages.length;
  const presigned = await call(`${api}/user/avatar/upload`, { method: 'POST', headers: bearer(accessToken) });
  expect(presigned.status).toBe(200);
  const { url, fields } = presigned.json.data as { url: string; fields: Record<string, string> };
  remember('presigned POST signature', fields['X-Amz-Signature']);
  const direct = new FormData();
  for (const [name, value] of Object.entries(fields)) direct.append(name, value);
  direct.append('file', new Blob([await pngImage(80, 80)]), 'direct.png');
  expect((await fetch(url, { method: 'POST', body: direct })).status).toBe(204);
  await byQuery.next((m: { type: string }) => m.type === 'avatar.changed', seen);

  expect((await call(`${api}/user`, { method: 'DELETE', headers: bearer(accessToken) })).status).toBe(200);
  await Promise.all([byQuery.closed, bySubprotocol.closed]);
}

describe('logs of a whole account life (LOG_LEVEL=DEBUG)', () => {
  it('contain none of the passwords, tokens or signatures used, in any encoding, and the functions log structured JSON', async () => {
    await lifeOfAnAccount();
    expect(secrets.length).toBeGreaterThanOrEqual(17);
    await stack.stop(); // everything the process wrote is in, flushed
    const output = stack.output();

    expect(findKnownSecrets(output, secrets)).toEqual([]);
    expect(findSecretShapes(output)).toEqual([]);

    // After the launcher's banner, every line is a function's JSON entry, or the local gateway's own
    // "[http-api] …" kind of line, a Node process warning, or the launcher saying it stops.
    const lines = output.slice(output.indexOf('Press Ctrl-C to stop.')).split('\n').slice(1).filter(Boolean);
    const notJson = lines.filter((line) => !line.startsWith('{'));
    expect(notJson.filter((line) => !/^(\[[a-z0-9-]+\] |\(node:\d+\) |\s|SIGINT: stopping Halo|Stopped\.$)/.test(line))).toEqual([]);
    const structured = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level?: string; message?: string; service?: string; event?: unknown });
    // The refusals above (wrong passwords, the malformed body, the reused and revoked tokens) are logged.
    expect(structured.filter((entry) => entry.message === 'request refused').length).toBeGreaterThanOrEqual(5);
    for (const entry of structured) expect(entry).toMatchObject({ level: expect.any(String), message: expect.any(String), service: 'halo' });
    expect(structured.filter((entry) => entry.message === 'Lambda invocation event' || entry.event !== undefined)).toEqual([]);
  });
});
