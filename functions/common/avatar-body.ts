import { MAX_BINARY_BODY_IN_EVENT_BYTES } from '#infra/aws-limits';
import { AVATAR_RULES } from '#lib/avatars/normalise-avatar';
import { HaloError } from '#lib/errors';
import type { HttpEvent } from './http-route';

const RAW_IMAGE_TYPES: readonly string[] = AVATAR_RULES.acceptedTypes;

/**
 * The largest body `POST /api/user/avatar` takes (the raw image, or the whole multipart form): what a Lambda
 * event can carry once API Gateway has base64-encoded it, with room for the rest of the event
 * (infra/aws-limits.ts): 4,669,437 bytes. A body just over it reaches the function and gets Halo's 413; a
 * body whose event would be over Lambda's 6 MB never reaches it, and gets API Gateway's own 413. Images up
 * to AVATAR_RULES.maxBytes (5 MB) go through the presigned direct upload (`POST /api/user/avatar/upload`).
 */
export const API_AVATAR_BODY_MAX_BYTES = MAX_BINARY_BODY_IN_EVENT_BYTES;

/**
 * The uploaded image's bytes, from `multipart/form-data` (field `avatar`) or a raw image body. The
 * declared type only chooses how to read the body; what the bytes are is judged later, by the bytes.
 */
export async function avatarBytes(event: HttpEvent): Promise<Uint8Array> {
  const contentType = event.headers['content-type'] ?? '';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length > API_AVATAR_BODY_MAX_BYTES) {
    throw new HaloError('payload_too_large', {
      avatar: `the body must be at most ${API_AVATAR_BODY_MAX_BYTES} bytes here; images up to ${AVATAR_RULES.maxBytes / 1024 / 1024} MB go through POST /api/user/avatar/upload`,
    });
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
