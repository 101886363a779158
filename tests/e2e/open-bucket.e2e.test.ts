import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { bearer, call, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { postUploadForm } from '../support/s3-forms';
import { openSocket, type TestSocket } from '../support/socket-client';
import { inspect } from '../support/stack-inspector';
import { waitUntil } from '../support/wait-until';

/**
 * The embedded stack with its S3 checks switched OFF: a bucket that lets anyone write anywhere (a
 * misconfigured bucket policy, a forged form). S3 stores every upload below (204) and its event runs, but
 * the event's function accepts only an upload Halo handed to the user in the key, once: nobody's avatar
 * changes and nobody is told, and the forged object is removed.
 */
let stack: RunningStack;
let look: ReturnType<typeof inspect>;
beforeAll(async () => {
  stack = await startStackProcess({ entry: 'tests/support/open-bucket-stack.ts' });
  look = inspect(stack);
});
afterAll(async () => {
  look.close();
  await stack.stop();
});

async function newUser(identifier: string) {
  const reply = await postJson(`${stack.url}/api/register`, { identifier, password: 'a perfectly fine passphrase' });
  expect(reply.status).toBe(201);
  return reply.json.data as { user: { id: string }; accessToken: string };
}

async function uploadForm(accessToken: string): Promise<{ url: string; fields: Record<string, string> }> {
  const reply = await call(`${stack.url}/api/user/avatar/upload`, { method: 'POST', headers: bearer(accessToken) });
  expect(reply.status).toBe(200);
  return reply.json.data;
}

const avatarOf = async (accessToken: string) => (await call(`${stack.url}/api/user`, { headers: bearer(accessToken) })).json.data.user.avatarUrl as string | null;

describe('direct uploads through a bucket that checks nothing', () => {
  let mallory: Awaited<ReturnType<typeof newUser>>;
  let victim: Awaited<ReturnType<typeof newUser>>;
  let victimSocket: TestSocket;
  let image: Buffer;
  beforeAll(async () => {
    mallory = await newUser('mallory@example.com');
    victim = await newUser('victim@example.com');
    victimSocket = await openSocket(stack.websocketUrl, victim.accessToken);
    image = await pngImage(40, 40);
  });
  afterAll(() => victimSocket.close());

  /** Posts the form as tampered, sees S3 take it, and waits until the event's function has removed it. */
  async function landForged(fields: Record<string, string>, url: string) {
    expect((await postUploadForm(url, fields, image)).status).toBe(204);
    await waitUntil(async () => (await look.objectKeys(`uploads/${victim.user.id}/`)).length === 0);
  }

  const forged: [string, (form: { fields: Record<string, string> }) => Promise<Record<string, string>>][] = [
    ["Mallory's form with the key moved into the victim's prefix", async ({ fields }) => ({ ...fields, key: `uploads/${victim.user.id}/${fields.key?.split('/').at(-1)}` })],
    ['a random upload id in the victim\'s prefix (no form at all)', async ({ fields }) => ({ ...fields, key: `uploads/${victim.user.id}/${crypto.randomUUID()}` })],
    [
      "an upload id whose grant expired before the object landed",
      async ({ fields }) => {
        const uploadId = crypto.randomUUID();
        const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
        await db.send(
          new PutCommand({
            TableName: 'halo',
            Item: { pk: `UPLOAD#${uploadId}`, sk: 'UPLOAD', gsi1pk: `USER#${victim.user.id}`, gsi1sk: `UPLOAD#${uploadId}`, userId: victim.user.id, uploadId, expiresAt: new Date(Date.now() - 1000).toISOString() },
          }),
        );
        db.destroy();
        return { ...fields, key: `uploads/${victim.user.id}/${uploadId}` };
      },
    ],
  ];

  it.each(forged)('refuses %s: no avatar changes and no socket is told', async (_what, forge) => {
    const form = await uploadForm(mallory.accessToken);
    const seen = victimSocket.messages.length;
    await landForged(await forge(form), form.url);
    expect(await avatarOf(victim.accessToken)).toBeNull();
    expect(await avatarOf(mallory.accessToken)).toBeNull();
    expect(victimSocket.messages.slice(seen)).toEqual([]);
  });

  it('refuses a second use of a form (a replay): the first changes the avatar, the second changes nothing', async () => {
    const form = await uploadForm(victim.accessToken);
    expect((await postUploadForm(form.url, form.fields, image)).status).toBe(204);
    const changed = await victimSocket.next((m: { type: string }) => m.type === 'avatar.changed');
    await waitUntil(async () => (await look.objectKeys(`uploads/${victim.user.id}/`)).length === 0);
    expect(await avatarOf(victim.accessToken)).toBe(changed.data.avatarUrl);

    const seen = victimSocket.messages.length;
    await landForged(form.fields, form.url);
    expect(await avatarOf(victim.accessToken)).toBe(changed.data.avatarUrl);
    expect(victimSocket.messages.slice(seen)).toEqual([]);
    expect((await look.items()).filter((item) => String(item.pk).startsWith('UPLOAD#') && item.userId === victim.user.id && item.claimedBy)).toEqual([]);
  });
});
