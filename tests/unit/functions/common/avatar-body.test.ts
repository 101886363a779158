import { API_AVATAR_BODY_MAX_BYTES, avatarBytes } from '#functions/common/avatar-body';
import { LAMBDA_SYNC_INVOKE } from '#infra/aws-limits';
import { expectHaloError } from '#tests/support/halo-error';
import { httpEvent } from '#tests/support/http-event';
import { png } from '#tests/support/test-images';

/** The event API Gateway makes of a binary body: base64-encoded. */
const binaryEvent = (contentType: string | undefined, body: Uint8Array) =>
  httpEvent({
    method: 'PUT',
    path: '/api/user/avatar',
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  });

/** A real multipart/form-data body, framed by the platform, and its content type with the boundary. */
async function multipart(fill: (form: FormData) => void) {
  const form = new FormData();
  fill(form);
  const response = new Response(form);
  return { contentType: response.headers.get('content-type') ?? '', body: new Uint8Array(await response.arrayBuffer()) };
}

const TOO_LARGE = { avatar: 'the body must be at most 4669437 bytes here; images up to 5 MB go through POST /api/user/avatar/upload' };

describe('avatarBytes', () => {
  it.each(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'IMAGE/PNG', 'image/png; charset=binary'])(
    'returns a raw %s body as it is',
    async (contentType) => {
      const image = await png();
      expect(Buffer.from(await avatarBytes(binaryEvent(contentType, image)))).toEqual(image);
    },
  );

  it('takes the file field "avatar" of a multipart form', async () => {
    const image = await png();
    const { contentType, body } = await multipart((form) => {
      form.append('note', 'hello');
      form.append('avatar', new Blob([image], { type: 'image/png' }), 'me.png');
    });
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);

    expect(Buffer.from(await avatarBytes(binaryEvent(contentType, body)))).toEqual(image);
  });

  it('does not trust the declared type of the file part (the bytes are judged later)', async () => {
    const bytes = Buffer.from('not an image at all');
    const { contentType, body } = await multipart((form) => form.append('avatar', new Blob([bytes], { type: 'image/png' }), 'me.png'));
    expect(Buffer.from(await avatarBytes(binaryEvent(contentType, body)))).toEqual(bytes);
  });

  it.each([
    ['without the field', (form: FormData) => form.append('picture', new Blob([new Uint8Array([1, 2, 3])]), 'me.png')],
    ['with "avatar" as a text field', (form: FormData) => form.append('avatar', 'https://example.com/me.png')],
    ['with no fields at all', () => {}],
  ])('asks for the file field of a form %s', async (_what, fill) => {
    const { contentType, body } = await multipart(fill);
    await expectHaloError(avatarBytes(binaryEvent(contentType, body)), 'invalid_request', {
      avatar: 'is required: a file field named "avatar"',
    });
  });

  it.each([
    ['a body that is no multipart at all', 'multipart/form-data; boundary=xyz', Buffer.from('just some text')],
    ['a body cut off before its closing boundary', 'multipart/form-data; boundary=xyz', Buffer.from('--xyz\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\n\r\nabc')],
    ['a content type without a boundary', 'multipart/form-data', Buffer.from('--xyz\r\n\r\n--xyz--\r\n')],
  ])('refuses %s as malformed', async (_what, contentType, body) => {
    await expectHaloError(avatarBytes(binaryEvent(contentType, body)), 'invalid_request', { body: 'is not valid multipart/form-data' });
  });

  it.each([['text/plain'], ['application/json'], ['image/svg+xml'], ['application/x-www-form-urlencoded'], ['image/tiff'], [undefined]])(
    'refuses the content type %s',
    async (contentType) => {
      const error = await expectHaloError(avatarBytes(binaryEvent(contentType, await png())), 'unsupported_media_type');
      expect(Object.keys(error.fields)).toEqual(['content-type']);
    },
  );

  it('takes bodies up to what a Lambda event can carry once base64-encoded, with 64 KiB for the rest of the event', () => {
    expect(API_AVATAR_BODY_MAX_BYTES).toBe(4_669_437);
    const base64 = (bytes: number) => 4 * Math.ceil(bytes / 3);
    expect(base64(API_AVATAR_BODY_MAX_BYTES) + 64 * 1024).toBeLessThan(LAMBDA_SYNC_INVOKE.requestBytesBelow);
    expect(base64(API_AVATAR_BODY_MAX_BYTES + 3) + 64 * 1024).toBeGreaterThanOrEqual(LAMBDA_SYNC_INVOKE.requestBytesBelow);
  });

  it('refuses a body one byte over the limit, whatever its type', async () => {
    const oversized = new Uint8Array(API_AVATAR_BODY_MAX_BYTES + 1);
    await expectHaloError(avatarBytes(binaryEvent('image/png', oversized)), 'payload_too_large', TOO_LARGE);
    await expectHaloError(avatarBytes(binaryEvent('multipart/form-data; boundary=xyz', oversized)), 'payload_too_large', TOO_LARGE);
    await expectHaloError(avatarBytes(binaryEvent('text/plain', oversized)), 'payload_too_large', TOO_LARGE);
  });

  it('lets a multipart form of exactly the limit through (the framing counts: the file is a little smaller)', async () => {
    const framing = (await multipart((form) => form.append('avatar', new Blob([new Uint8Array(0)]), 'big.png'))).body.byteLength;
    const file = new Uint8Array(API_AVATAR_BODY_MAX_BYTES - framing).fill(7);
    const { contentType, body } = await multipart((form) => form.append('avatar', new Blob([file]), 'big.png'));
    expect(body.byteLength).toBe(API_AVATAR_BODY_MAX_BYTES);

    expect((await avatarBytes(binaryEvent(contentType, body))).byteLength).toBe(file.byteLength);
  });
});
