import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/**
 * Images made on the spot with sharp, so no binary fixtures live in the repository. Pixels follow a
 * fixed pattern (no random noise), so every run compresses to the same bytes.
 */
const patterned = (width: number, height: number) => {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + Math.floor(i / 97) * 11) & 0xff;
  return sharp(pixels, { raw: { width, height, channels: 3 } });
};

const plain = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } });

export const png = (width = 64, height = 48) => plain(width, height).png().toBuffer();
export const jpeg = (width = 64, height = 48) => plain(width, height).jpeg().toBuffer();
export const webp = (width = 64, height = 48) => plain(width, height).webp().toBuffer();
export const gif = (width = 64, height = 48) => plain(width, height).gif().toBuffer();

/** Patterned, so the compressed data is long enough to cut in half and still have a valid header. */
export const busyPng = (width = 200, height = 200) => patterned(width, height).png().toBuffer();
export const busyJpeg = (width = 200, height = 200) => patterned(width, height).jpeg().toBuffer();

export async function animatedGif(width = 30, height = 20): Promise<Buffer> {
  const frame = (r: number, b: number) =>
    sharp({ create: { width, height, channels: 3, background: { r, g: 0, b } } }).png().toBuffer();
  return sharp([await frame(255, 0), await frame(0, 255)], { join: { animated: true } }).gif().toBuffer();
}

export const CAMERA = { make: 'TattletaleCam', artist: 'Alice Example' };

/**
 * A JPEG as a phone writes it: EXIF with the camera, the author and where it was taken (GPS IFD),
 * and an orientation tag. Stored as `width` × `height`; orientation 6 means "rotate 90° to show".
 */
export const jpegWithExif = (width: number, height: number, orientation = 1) =>
  plain(width, height)
    .jpeg()
    .withExif({
      IFD0: { Make: CAMERA.make, Artist: CAMERA.artist, Copyright: CAMERA.artist },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 2634/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3930/100' },
    })
    .withMetadata({ orientation })
    .toBuffer();

export const XMP_SECRET = 'Secret Person';

/** A WebP with alpha carrying XMP (with an author) and a Display P3 ICC profile. */
export const webpWithXmpAndIcc = () =>
  sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.5 } } })
    .webp()
    .withXmp(
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
        `<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="${XMP_SECRET}"/></rdf:RDF></x:xmpmeta>`,
    )
    .withIccProfile('p3')
    .toBuffer();

/**
 * A decompression bomb's header: a real PNG whose IHDR claims `width` × `height`, with the chunk's
 * CRC recomputed so that decoders accept the header. The pixel data is still that of a 1×1 image.
 */
export async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const bytes = Buffer.from(await png(1, 1));
  // Signature (8), then IHDR: length (4), "IHDR" (4), width (4), height (4), 5 more bytes, CRC (4).
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') throw new Error('sharp wrote a PNG without IHDR first');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  bytes.writeUInt32BE(crc32(bytes.subarray(12, 29)) >>> 0, 29);
  return bytes;
}
