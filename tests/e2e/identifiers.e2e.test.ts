import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { bearer, call, postForm, postJson } from '../support/http';
import { openSocket } from '../support/socket-client';

let stack: RunningStack;
beforeAll(async () => {
  stack = await startStackProcess();
});
afterAll(() => stack.stop());

const PASSWORD = 'correct horse battery staple';

async function signUp(identifier: string) {
  const answer = await postJson(`${stack.url}/api/register`, { identifier, password: PASSWORD });
  expect(answer.status).toBe(201);
  return { id: answer.json.data.user.id as string, token: answer.json.data.accessToken as string };
}
const add = (token: string, identifier: unknown) => postJson(`${stack.url}/api/user/identifiers`, { identifier }, bearer(token));
const remove = (token: string, identifier: string) =>
  call(`${stack.url}/api/user/identifiers/${encodeURIComponent(identifier)}`, { method: 'DELETE', headers: bearer(token) });
const login = (identifier: string) => postJson(`${stack.url}/api/login`, { identifier, password: PASSWORD });

describe('several identifiers per account over real HTTP and WebSocket (embedded stack)', () => {
  it('logs one account in by its nickname, its email and its phone number, and tells its socket of each change', async () => {
    const ada = await signUp('ada_e2e');
    const socket = await openSocket(stack.websocketUrl, ada.token);
    try {
      const email = await add(ada.token, 'Ada.E2E@Example.com');
      expect(email.status).toBe(201);
      expect((await socket.next((m) => m.type === 'identifiers.changed')).data.identifiers).toEqual([
        { type: 'nickname', value: 'ada_e2e' },
        { type: 'email', value: 'ada.e2e@example.com' },
      ]);
      const phone = await add(ada.token, '+44 20 7946 0101');
      expect(phone.status).toBe(201);
      expect(phone.json.data.user.identifiers.map((i: { value: string }) => i.value)).toEqual(['ada_e2e', 'ada.e2e@example.com', '+442079460101']);
      expect(phone.json.data.user.identifier).toBe('ada_e2e');

      for (const identifier of ['ADA_E2E', 'ada.e2e@EXAMPLE.com', '0044 20 7946 0101']) {
        const answer = await login(identifier);
        expect(answer.status).toBe(200);
        expect(answer.json.data.user.id).toBe(ada.id);
      }
      // The OAuth password grant is the same login.
      const grant = await postForm(`${stack.url}/oauth/token`, { grant_type: 'password', username: '+442079460101', password: PASSWORD, client_id: 'e2e' });
      expect(grant.status).toBe(200);

      const profile = await call(`${stack.url}/api/user`, { headers: bearer(ada.token) });
      expect(profile.json.data.user.identifiers).toHaveLength(3);

      const again = await add(ada.token, 'ada.e2e@example.com');
      expect(again.status).toBe(200);
      const second = await add(ada.token, 'ada.other@example.com');
      expect(second.status).toBe(409);
      expect(second.json.data.identifier).toMatch(/already has an email/);

      const removed = await remove(ada.token, 'Ada.E2E@Example.com');
      expect(removed.status).toBe(200);
      await socket.next((m) => m.type === 'identifiers.changed' && m.data.identifiers.length === 2);
      expect((await login('ada.e2e@example.com')).status).toBe(401);
    } finally {
      socket.close();
    }
  });

  it('answers 404 for an identifier the account lacks, 409 for its last one, 400 for no identifier at all', async () => {
    const solo = await signUp('solo_e2e');
    const notMine = await remove(solo.token, 'someone@example.com');
    expect(notMine.status).toBe(404);
    expect(notMine.json).toEqual({ status: 'fail', data: { identifier: 'this account has no such identifier' } });
    const last = await remove(solo.token, 'SOLO_E2E');
    expect(last.status).toBe(409);
    expect((await remove(solo.token, 'x@')).status).toBe(400);
    expect((await add(solo.token, 'аdmin_e2e')).status).toBe(400);
    expect((await call(`${stack.url}/api/user/identifiers/solo_e2e`, { method: 'DELETE' })).status).toBe(401);
  });

  it('refuses an identifier another account has (409, as sign-up does), and lets anyone take a removed one at once', async () => {
    const bea = await signUp('bea@example.com');
    const cy = await signUp('cy_e2e');
    const taken = await add(cy.token, 'BEA@example.com');
    expect(taken.status).toBe(409);
    expect(taken.json).toEqual({ status: 'fail', data: { identifier: 'this email is already registered' } });

    expect((await add(bea.token, 'bea_e2e')).status).toBe(201);
    expect((await remove(bea.token, 'bea@example.com')).status).toBe(200);
    // Free at once: a sign-up takes it, and it logs into the new account only.
    const newcomer = await signUp('bea@example.com');
    const answer = await login('bea@example.com');
    expect(answer.json.data.user.id).toBe(newcomer.id);
  });

  it('lets exactly one of two accounts adding one identifier at once win', async () => {
    const racers = await Promise.all(['racer_a', 'racer_b', 'racer_c'].map(signUp));
    const answers = await Promise.all(racers.map((racer) => add(racer.token, 'prize@example.com')));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
    const winner = racers[answers.findIndex((a) => a.status === 201)];
    expect((await login('prize@example.com')).json.data.user.id).toBe(winner?.id);
  });

  it('frees every identifier of a deleted account', async () => {
    const gone = await signUp('gone_e2e');
    expect((await add(gone.token, 'gone@example.com')).status).toBe(201);
    expect((await add(gone.token, '+44 20 7946 0102')).status).toBe(201);
    expect((await call(`${stack.url}/api/user`, { method: 'DELETE', headers: bearer(gone.token) })).status).toBe(200);
    for (const identifier of ['gone_e2e', 'gone@example.com', '+442079460102']) {
      expect((await login(identifier)).status).toBe(401);
      await signUp(identifier);
    }
  });
});
