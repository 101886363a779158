import { fileTypeFromBuffer } from 'file-type';
import type Sharp from 'sharp';
import { HaloError } from '../errors';

export const AVATAR_RULES = {
  maxBytes: 5 * 1024 * 1024,
  /** Refused before decoding: a tiny file that claims 50,000 × 50,000 pixels is a decompression bomb. */
  maxInputPixels: 40_000_000,
  /** Stored avatars fit in this square; larger uploads are scaled down, smaller ones left as they are. */
  maxSide: 512,
  acceptedTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
  storedType: 'image/webp',
} as const;

export interface NormalisedAvatar {
  readonly data: Buffer;
  readonly contentType: typeof AVATAR_RULES.storedType;
  readonly width: number;
  readonly height: number;
}

/**
 * The only libvips loaders an upload may reach: those of the accepted types, from memory. Every other
 * decoder (TIFF, SVG, PDF, HEIF, JPEG 2000, the .vips format, …) is switched off in libvips itself, so a
 * bug in one of them cannot be reached even if the sniffer and the decoder were ever to disagree.
 */
export const ALLOWED_DECODERS = ['VipsForeignLoadPngBuffer', 'VipsForeignLoadJpegBuffer', 'VipsForeignLoadWebpBuffer', 'VipsForeignLoadNsgifBuffer'];

// sharp (libvips, native) is loaded on first use: only the avatar functions ever pay for it.
let sharpModule: Promise<typeof Sharp> | undefined;
export const loadSharp = () =>
  (sharpModule ??= import('sharp').then(({ default: sharp }) => {
    sharp.cache(false); // one image per invocation: libvips' cache would only hold memory
    sharp.block({ operation: ['VipsForeignLoad'] });
    sharp.unblock({ operation: ALLOWED_DECODERS });
    return sharp;
  }));

const sharpFormat: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/webp': 'webp', 'image/gif': 'gif' };

/**
 * Judges an upload by its bytes (never by its name or declared type) and returns a clean copy:
 * decoded, turned upright per EXIF, scaled to fit `maxSide`, re-encoded as WebP without any metadata
 * (EXIF GPS, ICC comments, XMP). Re-encoding is also what disarms polyglots: only pixels survive.
 */
export async function normaliseAvatar(bytes: Uint8Array): Promise<NormalisedAvatar> {
  if (bytes.byteLength === 0) throw new HaloError('invalid_request', { avatar: 'is empty' });
  if (bytes.byteLength > AVATAR_RULES.maxBytes) {
    throw new HaloError('payload_too_large', { avatar: `must be at most ${AVATAR_RULES.maxBytes / 1024 / 1024} MB` });
  }
  const sniffed = await fileTypeFromBuffer(bytes);
  if (!sniffed || !(AVATAR_RULES.acceptedTypes as readonly string[]).includes(sniffed.mime)) {
    throw new HaloError('unsupported_media_type', { avatar: 'must be a PNG, JPEG, WebP or GIF image' });
  }

  const sharp = await loadSharp();
  const invalid = (reason: string, cause?: unknown) => new HaloError('invalid_image', { avatar: reason }, { cause });
  let metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw invalid('could not be read as an image', error);
  }
  // The decoder must agree with the sniffer; a file that is one format to one and another to the other is a polyglot.
  if (metadata.format !== sharpFormat[sniffed.mime]) throw invalid('is not what its bytes claim to be');
  const pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (!pixels) throw invalid('has no dimensions');
  if (pixels > AVATAR_RULES.maxInputPixels) {
    throw invalid(`has too many pixels (at most ${AVATAR_RULES.maxInputPixels / 1_000_000} megapixels)`);
  }

  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: AVATAR_RULES.maxInputPixels, failOn: 'truncated', animated: false })
      .rotate()
      .resize(AVATAR_RULES.maxSide, AVATAR_RULES.maxSide, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 85 })
      .toBuffer({ resolveWithObject: true });
    return { data, contentType: AVATAR_RULES.storedType, width: info.width, height: info.height };
  } catch (error) {
    throw invalid('is damaged or truncated', error);
  }
}
