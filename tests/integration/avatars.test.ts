import { decodeJwt } from 'jose';
import { createSessionsRepository } from '#lib/storage/sessions-repository';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { deleteAccount } from '#lib/accounts/delete-account';
import { register } from '#lib/accounts/register';
import { announceAvatar } from '#lib/avatars/announce-avatar';
import type { AvatarDeps } from '#lib/avatars/avatar-deps';
import { createAvatarObjects } from '#lib/avatars/avatar-objects';
import { issueUpload } from '#lib/avatars/issue-upload';
import { processUpload } from '#lib/avatars/process-upload';
import { createUploadGrantsRepository } from '#lib/storage/upload-grants-repository';
import { landing } from '../support/in-memory-upload-grants';
import { storeAvatar } from '#lib/avatars/store-avatar';
import type { HaloError } from '#lib/errors';
import { createAvatarRepository } from '#lib/storage/avatar-repository';
import { createConnectionsRepository } from '#lib/storage/connections-repository';
import { createOwnedItemsRepository } from '#lib/storage/owned-items';
import { createPendingDeletionsRepository } from '#lib/storage/pending-deletions-repository';
import { startLocalS3, type LocalS3 } from '#local/local-s3';
import { jpegImage, pngImage } from '../support/images';
import { realAccountDeps, TEST_ISSUER } from '../support/real-account-deps';
import { recordingSockets } from '../support/recording-sockets';
import { createTestTable, type TestTable } from '../support/test-table';

const BUCKET = 'halo-avatars-test';
let table: TestTable;
let s3server: LocalS3;
let s3: S3Client;
const events: S3Event[] = [];

beforeAll(async () => {
  table = await createTestTable();
  s3server = await startLocalS3(undefined, BUCKET, (event) => events.push(event));
  s3 = new S3Client({
    endpoint: s3server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});
afterAll(async () => {
  s3.destroy();
  await s3server.close();
  await table.close();
});

function avatarDeps(sockets = recordingSockets()): AvatarDeps & { record: ReturnType<typeof recordingSockets> } {
  return {
    avatars: createAvatarRepository(table.db, table.tableName),
    objects: createAvatarObjects(s3, s3, BUCKET),
    uploadGrants: createUploadGrantsRepository(table.db, table.tableName),
    connections: createConnectionsRepository(table.db, table.tableName),
    sockets: sockets.sender,
    sessions: createSessionsRepository(table.db, table.tableName),
    publicBaseUrl: TEST_ISSUER,
    clock: () => new Date(),
    settleDelaysMs: [20, 50, 100],
    record: sockets,
  };
}

/** A new user, and the session its sockets are opened with (delivery re-checks it). */
const newUser = async (name: string) => {
  const { user, tokens } = await register(realAccountDeps(table), { identifier: name, password: 'a sound passphrase' });
  return { ...user, sessionId: String(decodeJwt(tokens.accessToken).sid) };
};

describe('avatars against dynalite and the local S3', () => {
  it('stores a normalised copy, emits an S3 event in the real format, and announces it to every socket', async () => {
    const deps = avatarDeps();
    const user = await newUser('photographer');
    await deps.connections.put({ connectionId: 'phone=', userId: user.id, connectedAt: new Date().toISOString(), sessionId: user.sessionId });
    await deps.connections.put({ connectionId: 'laptop=', userId: user.id, connectedAt: new Date().toISOString(), sessionId: user.sessionId });

    const { avatarUrl } = await storeAvatar(deps, user.id, await jpegImage(2000, 1000));
    const version = avatarUrl.split('/').at(-1) ?? '';
    const key = `avatars/${user.id}/${version}.webp`;

    const stored = await deps.objects.read(key, 10_000_000);
    if (typeof stored === 'string') throw new Error(`object not stored: ${stored}`);
    expect(Buffer.from(stored).subarray(8, 12).toString()).toBe('WEBP');

    const record = events.flatMap((event) => event.Records).find((r) => decodeURIComponent(r.s3.object.key) === key);
    expect(record).toMatchObject({ eventVersion: '2.1', eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` } } });

    const announcement = await announceAvatar(deps, user.id, version);
    expect(announcement).toEqual({ outcome: 'announced', delivery: { sent: 2, gone: 0, failed: 0 } });
    expect(deps.record.sent.map((s) => s.connectionId).sort()).toEqual(['laptop=', 'phone=']);
    expect(deps.record.sent[0]?.message).toEqual({ type: 'avatar.changed', data: { userId: user.id, avatarUrl, changedAt: expect.any(String) } });
  });

  it('keeps exactly one avatar and no loser objects when uploads race', async () => {
    const deps = avatarDeps();
    const user = await newUser('indecisive');
    const images = await Promise.all([pngImage(10, 10), pngImage(20, 20), jpegImage(30, 30), pngImage(40, 40), jpegImage(50, 50), pngImage(60, 60)]);
    const results = await Promise.allSettled(images.map((image) => storeAvatar(deps, user.id, image)));

    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners.length).toBeGreaterThanOrEqual(1);
    for (const loser of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect((loser.reason as HaloError).code).toBe('conflict');
    }
    const current = await deps.avatars.currentAvatar(user.id);
    const keys = (await listKeys(`avatars/${user.id}/`)).map((k) => k.split('/').at(-1));
    expect(keys).toEqual([`${current.version}.webp`]);
  });

  it('judges a direct upload from S3, deletes the raw object, and refuses an invalid one', async () => {
    const deps = avatarDeps();
    const user = await newUser('direct-uploader');
    await deps.connections.put({ connectionId: 'tab=', userId: user.id, connectedAt: new Date().toISOString(), sessionId: user.sessionId });

    const good = await issueUpload(deps, user.id);
    const goodId = good.fields.key?.split('/').at(-1) ?? '';
    expect(await postForm(good, await pngImage(800, 600))).toBe(204);
    expect(await processUpload(deps, user.id, goodId, landing('good'))).toBe('stored');
    expect((await deps.avatars.currentAvatar(user.id)).version).toBeDefined();

    const bad = await issueUpload(deps, user.id);
    const badId = bad.fields.key?.split('/').at(-1) ?? '';
    expect(await postForm(bad, Buffer.from('GIF89a but not really an image'))).toBe(204);
    expect(await processUpload(deps, user.id, badId, landing('bad'))).toBe('rejected');
    expect(deps.record.sent.at(-1)?.message).toMatchObject({ type: 'avatar.rejected', data: { uploadId: badId } });

    expect(await listKeys(`uploads/${user.id}/`)).toEqual([]);
    expect(await listKeys(`avatars/${user.id}/`)).toHaveLength(1);
    // A retried event for an upload already handled does nothing.
    expect(await processUpload(deps, user.id, goodId, landing('good'))).toBe('missing');
  });

  it('deletes a user completely, and an upload racing the deletion leaves no object behind', async () => {
    for (let round = 0; round < 5; round++) {
      const deps = avatarDeps();
      const user = await newUser(`doomed-${round}`);
      await storeAvatar(deps, user.id, await pngImage());
      await deps.connections.put({ connectionId: `c${round}=`, userId: user.id, connectedAt: new Date().toISOString(), sessionId: user.sessionId });
      const deletion = {
        users: realAccountDeps(table).users,
        ownedItems: createOwnedItemsRepository(table.db, table.tableName),
        connections: deps.connections,
        sockets: deps.sockets,
        objects: deps.objects,
        pendingDeletions: createPendingDeletionsRepository(table.db, table.tableName),
        clock: () => new Date(),
      };
      const [upload] = await Promise.allSettled([storeAvatar(deps, user.id, await jpegImage()), deleteAccount(deletion, user.id)]);
      if (upload.status === 'fulfilled') {
        // The upload won the race to the user item; its announcement finds the account gone and removes the object.
        await announceAvatar(deps, user.id, upload.value.avatarUrl.split('/').at(-1) ?? '');
      } else {
        expect((upload.reason as HaloError).code).toBe('account_gone');
      }
      expect(await listKeys(`avatars/${user.id}/`)).toEqual([]);
      expect((await table.scanAll()).filter((item) => JSON.stringify(item).includes(user.id))).toEqual([]);
      expect(deps.record.closed).toContain(`c${round}=`);
    }
  });
});

async function listKeys(prefix: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((object) => object.Key ?? '');
}

async function postForm(upload: { url: string; fields: Record<string, string> }, bytes: Buffer): Promise<number> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([bytes]), 'upload');
  return (await fetch(upload.url, { method: 'POST', body: form })).status;
}
