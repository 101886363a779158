import { CONTROL_PATHS } from '#local/dynamodb-index-lag';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { bearer, call, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { openSocket, type TestSocket } from '../support/socket-client';
import { inspect } from '../support/stack-inspector';

/**
 * The embedded stack with its byUser index held back (LOCAL_DYNAMODB_INDEX_LAG=hold: no write reaches the index
 * until the test releases it), as DynamoDB's may lag behind its table. Sockets opened while the index shows none
 * of them are still capped, told of an avatar change, and closed by an account deletion.
 */

const PASSWORD = 'a perfectly fine passphrase';
const CAP = 3;

let stack: RunningStack;
let look: ReturnType<typeof inspect>;
beforeAll(async () => {
  stack = await startStackProcess({ env: { LOCAL_DYNAMODB_INDEX_LAG: 'hold', SOCKETS_PER_USER: String(CAP) } });
  look = inspect(stack);
});
afterAll(async () => {
  look.close();
  await stack.stop();
});

const control = async (path: string, body: unknown = {}) => (await fetch(`${stack.dynamodbEndpoint}${path}`, { method: 'POST', body: JSON.stringify(body) })).json();
/** Connection records whose changes (written, then perhaps deleted) have not reached the index. */
const heldSockets = async () =>
  new Set(((await control(CONTROL_PATHS.pending)) as { pending: { pk: string }[] }).pending.map((change) => change.pk).filter((pk) => pk.startsWith('CONN#'))).size;

describe('the embedded stack while the byUser index lags', () => {
  it('caps, tells and closes sockets that the index shows none of', async () => {
    expect(stack.output()).toContain('byUser index lagging: held until released');
    const registered = await postJson(`${stack.url}/api/register`, { identifier: 'laggard@example.com', password: PASSWORD });
    expect(registered.status).toBe(201);
    const { user, accessToken } = registered.json.data as { user: { id: string }; accessToken: string };
    await control(CONTROL_PATHS.release); // the account itself is old news to the index

    const sockets: TestSocket[] = [];
    for (let i = 0; i < CAP; i++) sockets.push(await openSocket(stack.websocketUrl, accessToken));
    await expect(openSocket(stack.websocketUrl, accessToken)).rejects.toMatchObject({ status: 429 });
    expect(await heldSockets()).toBe(CAP + 1); // each record written, the refused one deleted: none reached the index

    const upload = await call(`${stack.url}/api/user/avatar`, { method: 'POST', headers: { ...bearer(accessToken), 'content-type': 'image/png' }, body: await pngImage() });
    expect(upload.status).toBe(200);
    for (const socket of sockets) {
      expect(await socket.next((m: { type: string }) => m.type === 'avatar.changed')).toMatchObject({ data: { userId: user.id } });
    }

    const deleted = await call(`${stack.url}/api/user`, { method: 'DELETE', headers: bearer(accessToken) });
    expect(deleted.status).toBe(200);
    for (const socket of sockets) {
      expect(await socket.next((m: { type: string }) => m.type === 'user.deleted')).toEqual({ type: 'user.deleted' });
      expect((await socket.closed).code).toBe(1000);
    }
    expect(await look.itemsOf(user.id)).toEqual([]);
    expect(await look.objectKeys(`avatars/${user.id}/`)).toEqual([]);
  });
});
