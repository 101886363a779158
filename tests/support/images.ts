import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** Small real images made on the spot, so no binary fixtures live in the repository. */
export const pngImage = (width = 64, height = 48) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer();

export const jpegImage = (width = 64, height = 48) =>
  sharp({ create: { width, height, channels: 3, background: { r: 20, g: 120, b: 200 } } }).jpeg().toBuffer();

export const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');

export const HTML = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>');

/**
 * A real PNG of exactly `bytes` bytes: a small image with a private ancillary chunk (`paDd`, which decoders
 * skip, PNG §5.4) of padding before IEND. For testing size limits with images that are valid to the byte.
 */
export async function pngOfSize(bytes: number): Promise<Buffer> {
  const image = await pngImage(32, 32);
  const iend = image.length - 12; // IEND: length (4), type (4), no data, CRC (4)
  const padding = bytes - image.length - 12;
  if (padding < 0) throw new Error(`a PNG cannot be as small as ${bytes} bytes here`);
  const type = Buffer.from('paDd', 'latin1');
  const data = Buffer.alloc(padding, 0x2e);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(padding);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])));
  return Buffer.concat([image.subarray(0, iend), length, type, data, crc, image.subarray(iend)]);
}
