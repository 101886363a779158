import { decodeJwt } from 'jose';
import { randomUUID } from 'node:crypto';
import { register } from '#lib/accounts/register';
import { announceAvatar } from '#lib/avatars/announce-avatar';
import { uploadKey } from '#lib/avatars/avatar-objects';
import { processUpload } from '#lib/avatars/process-upload';
import { storeAvatar } from '#lib/avatars/store-avatar';
import { fanOut } from '#lib/sockets/fan-out';
import { mentions } from '../support/fault-injection';
import { landing } from '../support/in-memory-upload-grants';
import { pngImage } from '../support/images';
import { listAllKeys } from '../support/orphan-scan';
import { type Actor, eachFault, expectOutage, FAULT_RUN_TIMEOUT_MS, faultCases, type FaultStack, startFaultStack } from './fault-harness';

/**
 * Both avatar upload paths and the announcement fan-out, with a failure injected at every DynamoDB,
 * S3 and `@connections` call of a successful run (and, for writes, with the write applied and its
 * reply lost). The retry is the client's (HTTP path) or Lambda's (the S3 event). After it, the user
 * has exactly one avatar object, its current version, and nothing else is left in the bucket.
 */

let stack: FaultStack;
let main: Actor;
let image: Buffer;
beforeAll(async () => {
  stack = await startFaultStack();
  main = stack.main;
  image = await pngImage(40, 30);
});
afterAll(() => stack.close());

const versionOf = (avatarUrl: string) => avatarUrl.split('/').at(-1) ?? '';

/** The session each user's sockets are opened with (delivery re-checks it). */
const sessionOf = new Map<string, string>();

async function newUser(identifier: string): Promise<string> {
  const { user, tokens } = await register(main.account, { identifier, password: 'a sound passphrase' });
  sessionOf.set(user.id, String(decodeJwt(tokens.accessToken).sid));
  await storeAvatar(main.avatars, user.id, image); // a previous avatar, so replacing it is part of every run
  await stack.settleBucket();
  return user.id;
}

async function expectOneCurrentAvatar(userId: string, version?: string) {
  const current = await main.avatars.avatars.currentAvatar(userId);
  if (version) expect(current.version).toBe(version);
  const keys = (await listAllKeys(stack.s3, stack.bucket)).filter((key) => key.includes(userId));
  expect(keys).toEqual([`avatars/${userId}/${current.version}.webp`]);
}

describe('the HTTP upload path (storeAvatar) under faults', () => {
  it('answers the outage or succeeds; after the retry one avatar remains and no object is orphaned', async () => {
    const userId = await newUser('fault-avatar-http');
    main.faults.reset();
    await storeAvatar(main.avatars, userId, image);
    await stack.settleBucket();
    const cases = faultCases(main.faults.calls);
    expect(cases.map((c) => c.call.operation)).toEqual(expect.arrayContaining(['PutObject', 'UpdateItem', 'DeleteObject']));

    const problems = await eachFault(cases, async ({ index, timing }) => {
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await storeAvatar(main.avatars, userId, image).catch((error: unknown) => error);
      main.faults.reset();
      // Even if the client never retries, once the S3 events have run nothing is half-done.
      await stack.settleBucket();
      expect(await stack.orphans()).toEqual([]);
      let stored;
      if (first instanceof Error) {
        expectOutage(first);
        stored = await storeAvatar(main.avatars, userId, image);
      } else {
        stored = first as Awaited<ReturnType<typeof storeAvatar>>;
      }
      await stack.settleBucket(); // the S3 events of every object written
      await expectOneCurrentAvatar(userId, versionOf(stored.avatarUrl));
      expect(await stack.orphans()).toEqual([]);
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});

describe('the direct upload path (processUpload, run by the S3 event) under faults', () => {
  it("fails so Lambda retries, and the retry stores the upload's avatar and removes the raw upload", async () => {
    const userId = await newUser('fault-avatar-direct');
    const upload = async () => {
      const uploadId = randomUUID();
      await stack.grantUpload(userId, uploadId);
      await stack.putObject(uploadKey(userId, uploadId), image);
      return uploadId;
    };
    const baseline = await upload();
    main.faults.reset();
    expect(await processUpload(main.avatars, userId, baseline, landing())).toBe('stored');
    const cases = faultCases(main.faults.calls);

    const problems = await eachFault(cases, async ({ index, timing }) => {
      const before = (await main.avatars.avatars.currentAvatar(userId)).version;
      const uploadId = await upload();
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await processUpload(main.avatars, userId, uploadId, landing()).catch((error: unknown) => error);
      main.faults.reset();
      // Before the retry: the raw upload and its claimed grant may wait for it, but the avatar is never broken.
      const waiting = ['raw upload', 'avatar object', 'upload grant'];
      expect((await stack.orphans()).filter((orphan) => !waiting.some((kind) => orphan.includes(kind)))).toEqual([]);
      if (first instanceof Error) {
        expectOutage(first);
        // Lambda's retry of the same event: it finishes the job, or finds it already done.
        expect(['stored', 'missing']).toContain(await processUpload(main.avatars, userId, uploadId, landing()));
      } else {
        expect(first).toBe('stored');
      }
      await stack.settleBucket();
      expect((await main.avatars.avatars.currentAvatar(userId)).version).not.toBe(before);
      await expectOneCurrentAvatar(userId);
      expect(await stack.orphans()).toEqual([]);
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);

  it('removes a refused upload whatever fails, and tells the socket why unless that very message failed', async () => {
    const userId = await newUser('fault-avatar-refused');
    const socket = `refused-${randomUUID()}=`;
    stack.connections.live.add(socket);
    await main.avatars.connections.put({ connectionId: socket, userId, connectedAt: new Date().toISOString(), sessionId: sessionOf.get(userId) });
    const refused = Buffer.from('GIF89a but not an image');
    const upload = async () => {
      const uploadId = randomUUID();
      await stack.grantUpload(userId, uploadId);
      await stack.putObject(uploadKey(userId, uploadId), refused);
      return uploadId;
    };
    main.faults.reset();
    expect(await processUpload(main.avatars, userId, await upload(), landing())).toBe('rejected');
    const cases = faultCases(main.faults.calls);
    expect(cases.map((c) => c.call.operation)).toContain('PostToConnection');

    const problems = await eachFault(cases, async ({ index, timing, call }) => {
      const uploadId = await upload();
      stack.connections.received.delete(socket);
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await processUpload(main.avatars, userId, uploadId, landing()).catch((error: unknown) => error);
      main.faults.reset();
      if (first instanceof Error) {
        expectOutage(first);
        await processUpload(main.avatars, userId, uploadId, landing());
      }
      const told = (stack.connections.received.get(socket) ?? []) as { type: string; data: { uploadId: string } }[];
      // Telling is best effort: a failed listing or send loses the notice, never the clean-up.
      const listing = call.operation === 'Query' || (call.operation === 'GetItem' && mentions(call, 'pk, #slots')); // the index, then the slots
      const noticeLost = (listing && timing === 'before') || (call.operation === 'PostToConnection' && timing === 'before');
      // At least once: a retried event that judges the upload again tells again.
      if (!noticeLost) expect(told.filter((m) => m.type === 'avatar.rejected' && m.data.uploadId === uploadId).length).toBeGreaterThanOrEqual(1);
      expect(await listAllKeys(stack.s3, stack.bucket)).not.toContain(uploadKey(userId, uploadId));
      expect(await stack.orphans()).toEqual([]);
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});

describe('the announcement fan-out under faults', () => {
  it('announces after the retry, drops gone sockets, keeps live ones, and loses only a message whose own send failed', async () => {
    const userId = await newUser('fault-fan-out');
    const helper = stack.actor();
    const [phone, laptop, gone] = ['phone=', 'laptop=', 'gone='].map((name) => `${name.slice(0, -1)}-${randomUUID()}=`) as [string, string, string];
    stack.connections.live.add(phone);
    stack.connections.live.add(laptop);
    const connect = (id: string, connectedAt = new Date()) => main.avatars.connections.put({ connectionId: id, userId, connectedAt: connectedAt.toISOString(), sessionId: sessionOf.get(userId) });
    await Promise.all([connect(phone), connect(laptop)]);
    const newAvatar = async () => {
      // A socket that connected a minute ago and closed without its $disconnect being heard (a younger one
      // reported gone may still be opening, and keeps its record: lib/sockets/fan-out.ts).
      await connect(gone, new Date(Date.now() - 60_000));
      const { avatarUrl } = await storeAvatar(helper.avatars, userId, image);
      return versionOf(avatarUrl);
    };

    const baseline = await newAvatar();
    main.faults.reset();
    expect(await announceAvatar(main.avatars, userId, baseline)).toMatchObject({ outcome: 'announced', delivery: { sent: 2, gone: 1, failed: 0 } });
    const cases = faultCases(main.faults.calls);
    expect(cases.filter((c) => c.call.operation === 'PostToConnection')).toHaveLength(6);

    const problems = await eachFault(cases, async ({ index, timing }) => {
      const version = await newAvatar();
      stack.connections.received.clear();
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await announceAvatar(main.avatars, userId, version).catch((error: unknown) => error);
      // The sends run in parallel: which one this run failed is what counts.
      const [call] = main.faults.faulted;
      if (!call) throw new Error('the fault did not fire');
      main.faults.reset();
      if (first instanceof Error) {
        expectOutage(first);
        expect(await announceAvatar(main.avatars, userId, version)).toMatchObject({ outcome: 'announced' });
      } else {
        expect(first).toMatchObject({ outcome: 'announced' });
      }
      for (const socket of [phone, laptop]) {
        const lost = call.operation === 'PostToConnection' && timing === 'before' && mentions(call, socket);
        const told = (stack.connections.received.get(socket) ?? []) as { type: string; data: { avatarUrl: string } }[];
        expect(told.some((m) => m.type === 'avatar.changed' && m.data.avatarUrl.endsWith(version))).toBe(!lost);
      }
      if ((await main.avatars.connections.get(gone)) !== undefined) {
        // Only a failure about that very socket may leave its record; the next fan-out removes it.
        expect(mentions(call, gone)).toBe(true);
        await fanOut(main.avatars, userId, { type: 'avatar.changed', data: {} });
        expect(await main.avatars.connections.get(gone)).toBeUndefined();
      }
      expect(await main.avatars.connections.get(phone)).toBeDefined();
      expect(await main.avatars.connections.get(laptop)).toBeDefined();
      await stack.settleBucket();
      expect(await stack.orphans()).toEqual([]);
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});
