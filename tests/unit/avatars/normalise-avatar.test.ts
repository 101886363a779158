import sharp from 'sharp';
import { ALLOWED_DECODERS, AVATAR_RULES, loadSharp, normaliseAvatar } from '#lib/avatars/normalise-avatar';
import { expectHaloError } from '#tests/support/halo-error';
import {
  animatedGif,
  busyJpeg,
  busyPng,
  CAMERA,
  gif,
  jpeg,
  jpegWithExif,
  png,
  pngClaiming,
  webp,
  webpWithXmpAndIcc,
  XMP_SECRET,
} from '#tests/support/test-images';

const UNSUPPORTED = { avatar: 'must be a PNG, JPEG, WebP or GIF image' };
const UNREADABLE = { avatar: 'could not be read as an image' };
const DAMAGED = { avatar: 'is damaged or truncated' };

describe('normaliseAvatar', () => {
  describe('accepts each allowed format and re-encodes it as WebP', () => {
    it.each([
      ['PNG', png],
      ['JPEG', jpeg],
      ['WebP', webp],
      ['GIF', gif],
    ])('%s', async (_format, make) => {
      const avatar = await normaliseAvatar(await make(64, 48));
      const metadata = await sharp(avatar.data).metadata();
      expect(avatar.contentType).toBe('image/webp');
      expect(metadata).toMatchObject({ format: 'webp', width: 64, height: 48 });
      expect({ width: avatar.width, height: avatar.height }).toEqual({ width: 64, height: 48 });
    });
  });

  describe('switches off every libvips decoder but those of the accepted types', () => {
    const blank = { create: { width: 8, height: 8, channels: 3 as const, background: '#08f' } };

    it.each([
      ['TIFF', () => sharp(blank).tiff().toBuffer()],
      ['SVG', async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>')],
      ['AVIF (HEIF)', () => sharp(blank).avif().toBuffer()],
    ])('%s cannot be decoded, even by a caller that skips the sniffer', async (_format, make) => {
      const bytes = await make();
      const decoder = await loadSharp();
      await expect(decoder(bytes).metadata()).rejects.toThrow(/unsupported image format/);
    });

    it.each([
      ['PNG', png],
      ['JPEG', jpeg],
      ['WebP', webp],
      ['GIF', gif],
    ])('%s still decodes', async (_format, make) => {
      const decoder = await loadSharp();
      await expect(decoder(await make(8, 8)).metadata()).resolves.toMatchObject({ width: 8, height: 8 });
    });

    it('names one decoder per accepted type', () => {
      expect(ALLOWED_DECODERS).toHaveLength(AVATAR_RULES.acceptedTypes.length);
    });
  });

  it.each([
    ['a wide image', 2000, 1000, 512, 256],
    ['a tall image', 600, 1200, 256, 512],
    ['a large square', 1024, 1024, 512, 512],
    ['an image of exactly the limit', 512, 512, 512, 512],
    ['an image with one side over the limit', 513, 40, 512, 40],
  ])('scales %s down to fit 512 × 512, keeping its aspect ratio', async (_what, width, height, outWidth, outHeight) => {
    const avatar = await normaliseAvatar(await png(width, height));
    expect(await sharp(avatar.data).metadata()).toMatchObject({ width: outWidth, height: outHeight });
    expect({ width: avatar.width, height: avatar.height }).toEqual({ width: outWidth, height: outHeight });
  });

  it('does not enlarge a small image', async () => {
    const avatar = await normaliseAvatar(await png(20, 10));
    expect(await sharp(avatar.data).metadata()).toMatchObject({ width: 20, height: 10 });
  });

  it('drops EXIF, GPS position included, and every other trace of the camera', async () => {
    const input = await jpegWithExif(80, 60);
    const before = await sharp(input).metadata();
    expect(before.exif?.toString('latin1')).toContain(CAMERA.make); // the test image really carries EXIF

    const avatar = await normaliseAvatar(input);
    const after = await sharp(avatar.data).metadata();
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.iptc).toBeUndefined();
    expect(after.orientation).toBeUndefined();
    const text = avatar.data.toString('latin1');
    for (const trace of [CAMERA.make, CAMERA.artist, 'GPS', 'Exif']) expect(text).not.toContain(trace);
  });

  it('drops XMP and the ICC profile', async () => {
    const input = await webpWithXmpAndIcc();
    expect(await sharp(input).metadata()).toMatchObject({ xmp: expect.any(Buffer), icc: expect.any(Buffer) });

    const avatar = await normaliseAvatar(input);
    const after = await sharp(avatar.data).metadata();
    expect(after).toMatchObject({ format: 'webp', width: 40, height: 30, hasAlpha: true });
    expect(after.xmp).toBeUndefined();
    expect(after.icc).toBeUndefined();
    expect(avatar.data.toString('latin1')).not.toContain(XMP_SECRET);
  });

  it('turns the image upright as its EXIF orientation says, then forgets the orientation', async () => {
    const input = await jpegWithExif(100, 50, 6);
    expect(await sharp(input).metadata()).toMatchObject({ width: 100, height: 50, orientation: 6 });

    const avatar = await normaliseAvatar(input);
    const after = await sharp(avatar.data).metadata();
    expect(after).toMatchObject({ width: 50, height: 100 });
    expect(after.orientation).toBeUndefined();
    expect({ width: avatar.width, height: avatar.height }).toEqual({ width: 50, height: 100 });
  });

  it('keeps only the first frame of an animated GIF', async () => {
    const input = await animatedGif(30, 20);
    expect(await sharp(input).metadata()).toMatchObject({ format: 'gif', pages: 2 });

    const avatar = await normaliseAvatar(input);
    const after = await sharp(avatar.data).metadata();
    expect(after).toMatchObject({ format: 'webp', width: 30, height: 20 });
    expect(after.pages ?? 1).toBe(1);
  });

  describe('refuses what is not an allowed image, by its bytes', () => {
    it.each([
      ['SVG (scriptable)', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'],
      ['SVG with an XML declaration', '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'],
      ['HTML', '<!doctype html><html><body><script>alert(document.cookie)</script></body></html>'],
      ['plain text', 'just some text, certainly not an image'],
      ['a PDF', '%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'],
      ['random binary', Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 73 + 19) & 0xff))],
    ])('%s → unsupported_media_type', async (_what, content) => {
      await expectHaloError(normaliseAvatar(Buffer.from(content)), 'unsupported_media_type', UNSUPPORTED);
    });

    it('a TIFF (an image, but not an allowed one) → unsupported_media_type', async () => {
      const tiff = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).tiff().toBuffer();
      await expectHaloError(normaliseAvatar(tiff), 'unsupported_media_type', UNSUPPORTED);
    });

    it('nothing at all → invalid_request', async () => {
      await expectHaloError(normaliseAvatar(new Uint8Array()), 'invalid_request', { avatar: 'is empty' });
    });
  });

  describe('size', () => {
    it('refuses one byte over 5 MB as payload_too_large, before looking at the bytes', async () => {
      const junk = new Uint8Array(AVATAR_RULES.maxBytes + 1);
      await expectHaloError(normaliseAvatar(junk), 'payload_too_large', { avatar: 'must be at most 5 MB' });
    });

    it('lets exactly 5 MB through the size check (these bytes then fail on their type)', async () => {
      const junk = new Uint8Array(AVATAR_RULES.maxBytes);
      await expectHaloError(normaliseAvatar(junk), 'unsupported_media_type', UNSUPPORTED);
    });
  });

  describe('damaged images', () => {
    it('a PNG cut in half → invalid_image', async () => {
      const whole = await busyPng();
      await expectHaloError(normaliseAvatar(whole.subarray(0, Math.floor(whole.length / 2))), 'invalid_image', DAMAGED);
    });

    it('a JPEG cut in half → invalid_image', async () => {
      const whole = await busyJpeg();
      await expectHaloError(normaliseAvatar(whole.subarray(0, Math.floor(whole.length / 2))), 'invalid_image', DAMAGED);
    });

    it('a PNG cut off inside its header → invalid_image', async () => {
      const whole = await png();
      await expectHaloError(normaliseAvatar(whole.subarray(0, 20)), 'invalid_image', UNREADABLE);
    });

    it('a PNG whose pixel data is overwritten → invalid_image', async () => {
      const bytes = Buffer.from(await busyPng());
      const idat = bytes.indexOf('IDAT', 0, 'latin1');
      bytes.fill(0x5a, idat + 40, idat + 240);
      await expectHaloError(normaliseAvatar(bytes), 'invalid_image', DAMAGED);
    });
  });

  describe('decompression bombs', () => {
    it('refuses a tiny PNG that claims 30,000 × 30,000 pixels from its header, without decoding it', async () => {
      const bomb = await pngClaiming(30_000, 30_000);
      expect(bomb.length).toBeLessThan(100);
      expect(await sharp(bomb, { limitInputPixels: false }).metadata()).toMatchObject({ width: 30_000, height: 30_000 });

      const error = await expectHaloError(normaliseAvatar(bomb), 'invalid_image');
      expect(error.fields.avatar).toMatch(/too many pixels/);
      expect(error.fields.avatar).toBe('has too many pixels (at most 40 megapixels)');
    });

    it('refuses one pixel over the 40-megapixel limit', async () => {
      const error = await expectHaloError(normaliseAvatar(await pngClaiming(40_000_001, 1)), 'invalid_image');
      expect(error.fields.avatar).toMatch(/too many pixels/);
    });
  });

  describe('polyglots', () => {
    it('keeps only the pixels of a PNG that carries an HTML page after its end', async () => {
      const payload = '<html><script>alert(document.cookie)</script></html>';
      const polyglot = Buffer.concat([await png(16, 16), Buffer.from(payload)]);

      const avatar = await normaliseAvatar(polyglot);
      expect(await sharp(avatar.data).metadata()).toMatchObject({ format: 'webp', width: 16, height: 16 });
      expect(avatar.data.toString('latin1')).not.toContain('<script>');
    });

    it('refuses a GIF header followed by a PNG (the sniffer says GIF, no GIF decoder accepts it)', async () => {
      const polyglot = Buffer.concat([Buffer.from('GIF89a'), await png(16, 16)]);
      await expectHaloError(normaliseAvatar(polyglot), 'invalid_image', UNREADABLE);
    });

    it('refuses a GIF header behind a UTF-8 BOM around an SVG (the sniffer skips the BOM and says GIF; libvips picks its SVG loader)', async () => {
      const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10"/></svg>';
      const polyglot = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`GIF89a${svg}`)]);
      await expectHaloError(normaliseAvatar(polyglot), 'invalid_image', UNREADABLE);
    });

    it('refuses a WebP RIFF header in front of an SVG', async () => {
      const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"/>';
      await expectHaloError(normaliseAvatar(Buffer.from(`RIFFaaaaWEBPVP8 ${svg}`)), 'invalid_image', UNREADABLE);
    });
  });
});
