import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startLocalS3, type LocalS3 } from '#local/local-s3';

/**
 * The local S3 restarted on a folder that a killed process left behind: objects whose PUT never finished
 * are gone before it serves, and listing works, page after page, past s3rver's 1,000-key pages.
 */
const BUCKET = 'halo-avatars-restart';
const COMPLETE = 1_001;

let dir: string;
let server: LocalS3;
let s3: S3Client;

/** Writes an object's files as s3rver does: the bytes, their md5, then the metadata (or only a part of that). */
async function plant(key: string, files: { md5?: boolean; metadata?: string }) {
  const base = join(dir, BUCKET, `${key}._S3rver_`);
  await mkdir(dirname(base), { recursive: true });
  await writeFile(`${base}object`, 'bytes');
  if (files.md5) await writeFile(`${base}object.md5`, '4a4d2fa8a4c5bce5c1cfd1bde9ae6d37');
  if (files.metadata !== undefined) await writeFile(`${base}metadata.json`, files.metadata);
}

async function listAll(prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'halo-local-s3-'));
  const metadata = JSON.stringify({ 'content-type': 'image/webp' });
  for (let i = 0; i < COMPLETE; i++) await plant(`avatars/u${String(i).padStart(4, '0')}/v1.webp`, { md5: true, metadata });
  // Killed while writing the metadata (s3rver then answers every listing covering it with a 500) ...
  await plant('avatars/u0000/v2.webp', { md5: true, metadata: '' });
  await plant('avatars/u0001/v2.webp', { md5: true, metadata: '{\n  "content-type": "ima' });
  // ... after the bytes, before the metadata ...
  await plant('avatars/u0002/v2.webp', { md5: true });
  await plant('uploads/u0003/up1', {});
  // ... and a deletion cut short after it removed the bytes.
  await writeFile(join(dir, BUCKET, 'avatars/u0004/v0.webp._S3rver_metadata.json'), metadata);

  server = await startLocalS3(dir, BUCKET, () => undefined);
  s3 = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 1, // a 500 must fail the test, not be retried away
  });
}, 60_000);

afterAll(async () => {
  s3.destroy();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the local S3 started on a folder a killed process left behind', () => {
  it('removes every object whose upload never finished, and lists every complete one across pages', async () => {
    const keys = await listAll();
    expect(keys).toHaveLength(COMPLETE);
    expect(keys.filter((key) => key.endsWith('v2.webp') || key.startsWith('uploads/'))).toEqual([]);
    expect(await listAll('avatars/u0001/')).toEqual(['avatars/u0001/v1.webp']);
    for (const key of ['avatars/u0000/v2.webp', 'avatars/u0001/v2.webp', 'avatars/u0002/v2.webp', 'uploads/u0003/up1', 'avatars/u0004/v0.webp']) {
      for (const suffix of ['object', 'object.md5', 'metadata.json']) expect(existsSync(join(dir, BUCKET, `${key}._S3rver_${suffix}`))).toBe(false);
    }
  });

  it('still serves the complete objects next to a removed one', async () => {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'avatars/u0000/v1.webp' }));
    expect(object.ContentType).toBe('image/webp');
    expect(await object.Body?.transformToString()).toBe('bytes');
  });
});
