import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startLocalS3, type LocalS3 } from '#local/local-s3';
import { S3_FAULTS_PATH } from '#local/s3-auth/faults';
import { localS3Client } from '../support/s3-forms';

/** The local S3's injected failures (tests only): served only when asked for, S3's own 500 while a rule holds. */
const BUCKET = 'halo-avatars-faults';
let plain: LocalS3;
let faulty: LocalS3;
beforeAll(async () => {
  plain = await startLocalS3(undefined, BUCKET, () => undefined);
  faulty = await startLocalS3(undefined, BUCKET, () => undefined, { faults: true });
});
afterAll(async () => {
  await plain.close();
  await faulty.close();
});

const control = (server: LocalS3, body: unknown) => fetch(`${server.endpoint}${S3_FAULTS_PATH}`, { method: 'POST', body: JSON.stringify(body) });
const list = (server: LocalS3) => localS3Client(server.endpoint).send(new ListObjectsV2Command({ Bucket: BUCKET }));

describe('local S3 test faults', () => {
  it('are not served by default: the control path is an ordinary anonymous request, refused', async () => {
    const reply = await control(plain, { method: 'GET', queryParam: 'list-type' });
    expect(reply.status).toBe(403);
    expect(await reply.text()).toContain('<Code>AccessDenied</Code>');
    await expect(list(plain)).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });

  it('fail every matching request with S3’s InternalError until cleared', async () => {
    expect((await control(faulty, { method: 'GET', queryParam: 'list-type' })).status).toBe(200);
    await expect(list(faulty)).rejects.toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    expect((await control(faulty, { clear: true })).status).toBe(200);
    await expect(list(faulty)).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });
});
