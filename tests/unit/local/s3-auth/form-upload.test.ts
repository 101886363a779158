import { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { parseForm, verifyFormUpload } from '#local/s3-auth/form-upload';
import { S3Error } from '#local/s3-auth/s3-error';

/** Form uploads checked end to end in memory: a form as @aws-sdk/s3-presigned-post makes it, then tampered with. */
const settings = { credentials: { S3RVER: 'S3RVER' }, region: 'us-east-1' };
const client = new S3Client({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
afterAll(() => client.destroy());

async function encoded(fields: Record<string, string>, file?: Buffer) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) form.append('file', new Blob([file]), 'f.png');
  const request = new Request('http://x/', { method: 'POST', body: form });
  return { headers: { 'content-type': request.headers.get('content-type') ?? '' }, body: Buffer.from(await request.arrayBuffer()) };
}

async function outcome(fields: Record<string, string>, file?: Buffer, bucket = 'b'): Promise<string> {
  const { headers, body } = await encoded(fields, file);
  try {
    await verifyFormUpload(settings, bucket, await parseForm(headers, body), new Date());
    return 'ok';
  } catch (error) {
    if (!(error instanceof S3Error)) throw error;
    return `${error.status} ${error.code}`;
  }
}

const signedForm = async (credentials?: { accessKeyId: string; secretAccessKey: string }) => {
  const signer = credentials ? new S3Client({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, credentials }) : client;
  const { fields } = await createPresignedPost(signer, { Bucket: 'b', Key: 'uploads/u/1', Conditions: [['content-length-range', 1, 10]], Expires: 60 });
  return fields;
};

describe('browser form uploads (POST Object) as S3 checks them', () => {
  it('accepts the form as signed, whichever case its field names use', async () => {
    const fields = await signedForm();
    expect(await outcome(fields, Buffer.from('abc'))).toBe('ok');
    expect(await outcome(Object.fromEntries(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), value])), Buffer.from('abc'))).toBe('ok');
  });

  it('refuses a form signed with another secret, or by a key S3 does not know', async () => {
    expect(await outcome(await signedForm({ accessKeyId: 'S3RVER', secretAccessKey: 'guess' }), Buffer.from('abc'))).toBe('403 SignatureDoesNotMatch');
    expect(await outcome(await signedForm({ accessKeyId: 'NOBODY', secretAccessKey: 'S3RVER' }), Buffer.from('abc'))).toBe('403 InvalidAccessKeyId');
  });

  it('refuses a form posted to another bucket than its policy names', async () => {
    expect(await outcome(await signedForm(), Buffer.from('abc'), 'another-bucket')).toBe('403 AccessDenied');
  });

  it('needs a key, a file, and the signature fields that come with a policy', async () => {
    const fields = await signedForm();
    const without = (name: string) => Object.fromEntries(Object.entries(fields).filter(([field]) => field !== name));
    expect(await outcome(without('key'), Buffer.from('abc'))).toBe('400 InvalidArgument');
    expect(await outcome(fields)).toBe('400 InvalidArgument');
    expect(await outcome(without('X-Amz-Signature'), Buffer.from('abc'))).toBe('400 InvalidArgument');
    expect(await outcome(without('X-Amz-Credential'), Buffer.from('abc'))).toBe('400 InvalidArgument');
  });

  it('refuses fields over 20 KB before the file', async () => {
    expect(await outcome({ ...(await signedForm()), 'x-ignore-padding': 'x'.repeat(21 * 1024) }, Buffer.from('abc'))).toBe('400 MaxPostPreDataLengthExceeded');
  });
});
