import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bearer, call, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { localS3Client, postUploadForm, s3Answer } from '../support/s3-forms';
import { useInspectedStack } from '../support/stack-inspector';
import { waitUntil } from '../support/wait-until';

/**
 * The embedded stack's S3 answers direct uploads and every other request as S3 answers them for Halo's
 * private bucket: a form is good only as it was signed, until it expires, for its key and size; nothing
 * anonymous gets in or out. Every refusal leaves nothing in the bucket, so no S3 event ever runs for it.
 */
const e2e = useInspectedStack();
const BUCKET = 'halo-avatars';

async function newUser(identifier: string) {
  const reply = await postJson(`${e2e.stack.url}/api/register`, { identifier, password: 'a perfectly fine passphrase' });
  expect(reply.status).toBe(201);
  return reply.json.data as { user: { id: string }; accessToken: string };
}

async function uploadForm(accessToken: string): Promise<{ url: string; fields: Record<string, string> }> {
  const reply = await call(`${e2e.stack.url}/api/user/avatar/upload`, { method: 'POST', headers: bearer(accessToken) });
  expect(reply.status).toBe(200);
  return reply.json.data;
}

const policyOf = (fields: Record<string, string>) => JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString()) as { expiration: string; conditions: unknown[] };
const encode = (policy: unknown) => Buffer.from(JSON.stringify(policy)).toString('base64');

describe('direct uploads against the local S3, which checks them as S3 does', () => {
  let mallory: Awaited<ReturnType<typeof newUser>>;
  let victim: Awaited<ReturnType<typeof newUser>>;
  let image: Buffer;
  beforeAll(async () => {
    mallory = await newUser('mallory@example.com');
    victim = await newUser('victim@example.com');
    image = await pngImage(40, 40);
  });

  afterEach(async () => {
    // Nothing refused ever reaches the bucket, so no S3 event can run, and nobody's avatar changes.
    expect(await e2e.look.objectKeys(`uploads/${victim.user.id}/`)).toEqual([]);
    const profile = await call(`${e2e.stack.url}/api/user`, { headers: bearer(victim.accessToken) });
    expect(profile.json.data.user.avatarUrl).toBeNull();
  });

  const tampered: [string, (fields: Record<string, string>, victimId: string) => Record<string, string>, number, string, RegExp][] = [
    ["moves the key into another user's prefix", (f, id) => ({ ...f, key: `uploads/${id}/${crypto.randomUUID()}` }), 403, 'AccessDenied', /^Invalid according to Policy: Policy Condition failed: \["eq", "\$key", "uploads\//],
    ['zeroes the signature', (f) => ({ ...f, 'X-Amz-Signature': '0'.repeat(64) }), 403, 'SignatureDoesNotMatch', /signature we calculated does not match/],
    [
      'rewrites the policy (a larger size, any key) and keeps its signature',
      (f, id) => {
        const policy = policyOf(f);
        policy.conditions = [['content-length-range', 1, 1e9], ['starts-with', '$key', 'uploads/'], { bucket: BUCKET }];
        return { ...f, Policy: encode(policy), key: `uploads/${id}/x` };
      },
      403,
      'SignatureDoesNotMatch',
      /signature we calculated/,
    ],
    ['drops the policy and its signature (an anonymous write)', (f, id) => ({ key: `uploads/${id}/x` }), 403, 'AccessDenied', /^Access Denied$/],
    ['adds a field no condition names', (f) => ({ ...f, 'x-amz-meta-owner': 'someone-else' }), 403, 'AccessDenied', /^Invalid according to Policy: Extra input fields: x-amz-meta-owner$/],
    ['sends a different X-Amz-Date than the one signed', (f) => ({ ...f, 'X-Amz-Date': '20200101T000000Z' }), 403, 'AccessDenied', /Policy Condition failed: \["eq", "\$x-amz-date"/],
  ];

  it.each(tampered)('refuses a form that %s', async (_what, tamper, status, code, message) => {
    const form = await uploadForm(mallory.accessToken);
    const answer = await postUploadForm(form.url, tamper(form.fields, victim.user.id), image);
    expect(answer).toMatchObject({ status, code });
    expect(answer.message).toMatch(message);
    expect(answer.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>/);
  });

  it('refuses a file over the 5 MB the policy allows (EntityTooLarge) and an empty one (EntityTooSmall)', async () => {
    const form = await uploadForm(victim.accessToken);
    expect(await postUploadForm(form.url, form.fields, Buffer.alloc(5 * 1024 * 1024 + 1, 1))).toMatchObject({ status: 400, code: 'EntityTooLarge' });
    expect(await postUploadForm(form.url, form.fields, Buffer.alloc(0))).toMatchObject({ status: 400, code: 'EntityTooSmall' });
  });

  it('refuses a form whose policy has expired, even correctly signed', async () => {
    // Signed with the local S3's own keys (what only Halo holds), but expired a minute ago.
    const s3 = localS3Client(e2e.stack.s3Endpoint);
    const expired = await createPresignedPost(s3, { Bucket: BUCKET, Key: `uploads/${victim.user.id}/${crypto.randomUUID()}`, Expires: -60 });
    s3.destroy();
    expect(await postUploadForm(expired.url, expired.fields, image)).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
    });
  });

  it('refuses anonymous reads, writes and listings, and presigned URLs that are tampered with or expired', async () => {
    const key = `uploads/${victim.user.id}/${crypto.randomUUID()}`;
    const anonymous: [string, RequestInit][] = [
      [`${e2e.stack.s3Endpoint}/${BUCKET}/${key}`, { method: 'PUT', body: image }],
      [`${e2e.stack.s3Endpoint}/${BUCKET}?list-type=2`, {}],
      [`${e2e.stack.s3Endpoint}/${BUCKET}/${key}`, {}],
      [`${e2e.stack.s3Endpoint}/${BUCKET}/${key}`, { method: 'DELETE' }],
    ];
    for (const [url, init] of anonymous) expect(await s3Answer(await fetch(url, init))).toMatchObject({ status: 403, code: 'AccessDenied' });

    const s3 = localS3Client(e2e.stack.s3Endpoint);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'avatars/probe.webp', Body: 'x' })); // header-signed: allowed
    const fresh = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'avatars/probe.webp' }), { expiresIn: 60 });
    const old = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'avatars/probe.webp' }), { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
    expect((await fetch(fresh)).status).toBe(200);
    expect(await s3Answer(await fetch(old))).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Request has expired' });
    expect(await s3Answer(await fetch(fresh.replace('avatars/probe.webp', 'avatars/other.webp')))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    // A signature made with someone else's key pair.
    const stranger = new S3Client({
      endpoint: e2e.stack.s3Endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'not-the-secret' },
      maxAttempts: 1,
    });
    await expect(stranger.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: image }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    stranger.destroy();
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'avatars/probe.webp' }));
    s3.destroy();
  });

  it('takes the form as it was given, and again until it expires (as S3 does), but Halo uses it once', async () => {
    const form = await uploadForm(mallory.accessToken);
    const avatar = async () => (await call(`${e2e.stack.url}/api/user`, { headers: bearer(mallory.accessToken) })).json.data.user.avatarUrl as string | null;
    const processed = () => waitUntil(async () => (await e2e.look.objectKeys(`uploads/${mallory.user.id}/`)).length === 0);
    expect(await postUploadForm(form.url, form.fields, image)).toMatchObject({ status: 204 });
    await processed();
    const first = await avatar();
    expect(first).not.toBeNull();

    // S3 keeps no state of a POST policy: the same form is taken again. Its upload grant is used up, so nothing changes.
    expect(await postUploadForm(form.url, form.fields, await pngImage(60, 60))).toMatchObject({ status: 204 });
    await processed();
    expect(await avatar()).toBe(first);
  });
});
