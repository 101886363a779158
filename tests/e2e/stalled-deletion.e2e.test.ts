import { S3_FAULTS_PATH } from '#local/s3-auth/faults';
import { SCHEDULE_CONTROL_PREFIX } from '#local/schedules';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { bearer, call, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { openSocket } from '../support/socket-client';
import { inspect } from '../support/stack-inspector';

/**
 * A deletion stopped by an S3 outage, which the user never retries: the scheduled finisher (finish-deletions,
 * run on demand through the embedded stack's schedule control) removes what is left. The stack takes a deletion as
 * stalled after 1 s instead of minutes, and runs schedules only on demand, so the test decides when.
 */

const PASSWORD = 'a perfectly fine passphrase';

let stack: RunningStack;
let look: ReturnType<typeof inspect>;
beforeAll(async () => {
  stack = await startStackProcess({ env: { STALLED_DELETION_AFTER_SECONDS: '1', LOCAL_SCHEDULES: 'off', LOCAL_S3_FAULTS: 'on' } });
  look = inspect(stack);
});
afterAll(async () => {
  look.close();
  await stack.stop();
});

const s3Faults = async (body: unknown) => {
  const reply = await fetch(`${stack.s3Endpoint}${S3_FAULTS_PATH}`, { method: 'POST', body: JSON.stringify(body) });
  expect(reply.status).toBe(200);
};
const runFinisher = async () => {
  const reply = await fetch(`${stack.url}${SCHEDULE_CONTROL_PREFIX}finish-deletions`, { method: 'POST' });
  return { status: reply.status, body: (await reply.json()) as { result?: Record<string, number>; message?: string } };
};

describe('stalled account deletions (embedded stack)', () => {
  it('prints its schedules and runs them only on demand when told so', () => {
    expect(stack.output()).toMatch(/schedules\s+on demand only; run one now: POST http:\/\/\S+\/_local\/schedules\/<name>/);
  });

  it('finishes a deletion an S3 outage stopped, with nothing of the user left in table or bucket', async () => {
    const registered = await postJson(`${stack.url}/api/register`, { identifier: 'stalled@example.com', password: PASSWORD });
    expect(registered.status).toBe(201);
    const { user, accessToken } = registered.json.data as { user: { id: string }; accessToken: string };
    const upload = await call(`${stack.url}/api/user/avatar`, { method: 'POST', headers: { ...bearer(accessToken), 'content-type': 'image/png' }, body: await pngImage() });
    expect(upload.status).toBe(200);
    const socket = await openSocket(stack.websocketUrl, accessToken);

    // S3 fails every listing: the deletion closes the socket, then stops at the user's objects.
    await s3Faults({ method: 'GET', queryParam: 'list-type' });
    const deleted = await call(`${stack.url}/api/user`, { method: 'DELETE', headers: bearer(accessToken) });
    await s3Faults({ clear: true });
    expect(deleted.status).toBe(500);
    expect((await socket.closed).code).toBe(1000);
    expect((await call(`${stack.url}/api/user`, { headers: bearer(accessToken) })).status).toBe(401);
    const left = await look.itemsOf(user.id);
    expect(left.find((item) => item.sk === 'USER')).toMatchObject({ status: 'deleting' });
    expect(left.filter((item) => item.pk === 'DELETING')).toHaveLength(1);
    expect(await look.objectKeys(`avatars/${user.id}/`)).toHaveLength(1);

    // Nobody retries. Once the deletion is older than STALLED_DELETION_AFTER_SECONDS, the schedule finishes it.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const run = await runFinisher();
    expect(run).toEqual({ status: 200, body: { result: { finished: 1, abandoned: 0, stillOpen: 0, failed: 0 } } });
    expect(await look.itemsOf(user.id)).toEqual([]);
    expect(await look.objectKeys(`avatars/${user.id}/`)).toEqual([]);
    expect(await look.objectKeys(`uploads/${user.id}/`)).toEqual([]);

    // A second run (EventBridge may deliver twice) finds nothing to do.
    expect(await runFinisher()).toEqual({ status: 200, body: { result: { finished: 0, abandoned: 0, stillOpen: 0, failed: 0 } } });
    // The identifier is free again.
    expect((await postJson(`${stack.url}/api/register`, { identifier: 'stalled@example.com', password: PASSWORD })).status).toBe(201);
  });

  it('answers 404 for a function that has no schedule, and 405 for anything but POST', async () => {
    expect((await fetch(`${stack.url}${SCHEDULE_CONTROL_PREFIX}delete-user`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${stack.url}${SCHEDULE_CONTROL_PREFIX}finish-deletions`)).status).toBe(405);
  });
});
