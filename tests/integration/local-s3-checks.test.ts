import { createHash } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from '#local/local-s3';
import { localS3Client, s3Answer } from '../support/s3-forms';

/** The local S3's checks on signed bodies, and the switch that turns its checks off (tests only). */
const BUCKET = 'halo-avatars-checks';
let checked: LocalS3;
let open: LocalS3;
beforeAll(async () => {
  checked = await startLocalS3(undefined, BUCKET, () => undefined);
  open = await startLocalS3(undefined, BUCKET, () => undefined, { checks: false });
});
afterAll(async () => {
  await checked.close();
  await open.close();
});

/** A PUT signed over `signedBody`'s SHA-256, as the SDK signs one, that sends `sentBody`. */
async function signedPut(endpoint: string, key: string, signedBody: string, sentBody: string) {
  const url = new URL(`${endpoint}/${BUCKET}/${key}`);
  const signer = new SignatureV4({ credentials: LOCAL_S3_CREDENTIALS, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign({
    method: 'PUT',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'x-amz-content-sha256': createHash('sha256').update(signedBody).digest('hex') },
  });
  return s3Answer(await fetch(url, { method: 'PUT', headers: signed.headers, body: sentBody }));
}

const exists = async (server: LocalS3, key: string) => {
  const s3 = localS3Client(server.endpoint);
  try {
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch {
    return false;
  } finally {
    s3.destroy();
  }
};

describe('the local S3', () => {
  it('stores a body that matches its signed SHA-256, and refuses one that does not with XAmzContentSHA256Mismatch', async () => {
    expect((await signedPut(checked.endpoint, 'avatars/good.webp', 'the bytes', 'the bytes')).status).toBe(200);
    expect(await exists(checked, 'avatars/good.webp')).toBe(true);
    expect(await signedPut(checked.endpoint, 'avatars/swapped.webp', 'the bytes', 'other bytes')).toMatchObject({ status: 400, code: 'XAmzContentSHA256Mismatch' });
    expect(await exists(checked, 'avatars/swapped.webp')).toBe(false);
  });

  it('with its checks off (tests only), takes what S3 would refuse: an anonymous write', async () => {
    expect((await fetch(`${checked.endpoint}/${BUCKET}/avatars/anonymous.webp`, { method: 'PUT', body: 'x' })).status).toBe(403);
    expect((await fetch(`${open.endpoint}/${BUCKET}/avatars/anonymous.webp`, { method: 'PUT', body: 'x' })).status).toBe(200);
    expect(await exists(open, 'avatars/anonymous.webp')).toBe(true);
  });
});
