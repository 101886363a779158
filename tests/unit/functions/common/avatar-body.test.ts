import { avatarBytes } from '../../../../functions/common/avatar-body';
import { AVATAR_RULES } from '../../../../lib/avatars/normalise-avatar';
import { expectHaloError } from '../../../support/halo-error';
import { httpEvent } from '../../../support/http-event';
import { png } from '../../../support/test-images';

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

const TOO_LARGE = { avatar: 'must be at most 5 MB' };

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

  it('refuses a body larger than the largest image plus the multipart framing', async () => {
    const oversized = new Uint8Array(AVATAR_RULES.maxBytes + 64 * 1024 + 1);
    await expectHaloError(avatarBytes(binaryEvent('image/png', oversized)), 'payload_too_large', TOO_LARGE);
    await expectHaloError(avatarBytes(binaryEvent('multipart/form-data; boundary=xyz', oversized)), 'payload_too_large', TOO_LARGE);
    await expectHaloError(avatarBytes(binaryEvent('text/plain', oversized)), 'payload_too_large', TOO_LARGE);
  });

  it('lets a multipart form with a 5 MB file through (its framing does not count against the image)', async () => {
    const file = new Uint8Array(AVATAR_RULES.maxBytes).fill(7);
    const { contentType, body } = await multipart((form) => form.append('avatar', new Blob([file]), 'big.png'));
    expect(body.byteLength).toBeGreaterThan(AVATAR_RULES.maxBytes);

    expect((await avatarBytes(binaryEvent(contentType, body))).byteLength).toBe(AVATAR_RULES.maxBytes);
  });
});
