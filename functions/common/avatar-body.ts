import { AVATAR_RULES } from '../../lib/avatars/normalise-avatar';
import { HaloError } from '../../lib/errors';
import type { HttpEvent } from './http-route';

const RAW_IMAGE_TYPES: readonly string[] = AVATAR_RULES.acceptedTypes;
// Room for the multipart framing around a file of the largest accepted size.
const MAX_UPLOAD_BYTES = AVATAR_RULES.maxBytes + 64 * 1024;

/**
 * The uploaded image's bytes, from `multipart/form-data` (field `avatar`) or a raw image body. The
 * declared type only chooses how to read the body; what the bytes are is judged later, by the bytes.
 */
export async function avatarBytes(event: HttpEvent): Promise<Uint8Array> {
  const contentType = event.headers['content-type'] ?? '';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length > MAX_UPLOAD_BYTES) {
    throw new HaloError('payload_too_large', { avatar: `must be at most ${AVATAR_RULES.maxBytes / 1024 / 1024} MB` });
  }

  if (RAW_IMAGE_TYPES.includes(mediaType)) return body;
  if (mediaType !== 'multipart/form-data') {
    throw new HaloError('unsupported_media_type', {
      'content-type': `must be multipart/form-data (file field "avatar") or one of ${RAW_IMAGE_TYPES.join(', ')}`,
    });
  }

  let form: FormData;
  try {
    // The platform's own multipart parser (undici, as in fetch): no hand-written boundary handling.
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new HaloError('invalid_request', { body: 'is not valid multipart/form-data' });
  }
  const file = form.get('avatar');
  if (!(file instanceof Blob)) throw new HaloError('invalid_request', { avatar: 'is required: a file field named "avatar"' });
  return new Uint8Array(await file.arrayBuffer());
}
