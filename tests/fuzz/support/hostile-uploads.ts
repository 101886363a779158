import fc from 'fast-check';
import { busyJpeg, busyPng, gif, jpeg, png, webp } from '#tests/support/test-images';
import { HTML, SVG } from '#tests/support/images';
import { garbageBytes, headerTextOf, unicodeString } from './hostile-values';

/** Real images made on the spot (tests/support/test-images.ts), to be cut and corrupted; plus SVG and HTML. */
export async function sampleImages(): Promise<readonly Buffer[]> {
  return Promise.all([png(), jpeg(), webp(), gif(), busyPng(120, 90), busyJpeg(120, 90)]).then((images) => [...images, SVG, HTML]);
}

/** A real image truncated, with bytes flipped, with garbage spliced in, or left whole. */
export function damagedImage(images: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const image = fc.constantFrom(...images);
  return fc.oneof(
    fc.tuple(image, fc.double({ min: 0, max: 1, noNaN: true })).map(([bytes, at]) => bytes.subarray(0, Math.floor(bytes.length * at))),
    fc.tuple(image, fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 })).map(([bytes, flips]) => {
      const copy = Buffer.from(bytes);
      for (const [at, mask] of flips) {
        const i = Math.floor(at * (copy.length - 1));
        copy[i] = (copy[i] ?? 0) ^ mask;
      }
      return copy;
    }),
    fc.tuple(image, fc.double({ min: 0, max: 1, noNaN: true }), garbageBytes).map(([bytes, at, junk]) => {
      const i = Math.floor(bytes.length * at);
      return Buffer.concat([bytes.subarray(0, i), junk, bytes.subarray(i)]);
    }),
    image,
  );
}

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

interface Part {
  readonly name: string;
  readonly filename?: string;
  readonly type?: string;
  readonly content: Buffer;
}

export interface MultipartBody {
  readonly contentType: string;
  readonly body: Buffer;
}

const CRLF = '\r\n';

function partBytes(boundary: string, part: Part): Buffer {
  const disposition = `content-disposition: form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
  const head = [`--${boundary}`, disposition, ...(part.type ? [`content-type: ${part.type}`] : []), '', ''].join(CRLF);
  return Buffer.concat([Buffer.from(head, 'utf8'), part.content, Buffer.from(CRLF)]);
}

/**
 * Multipart bodies that are almost right and wrong in one way or many: a boundary in the header that is not
 * the body's, no closing boundary, a body cut short, the avatar missing or sent twice, a thousand parts,
 * odd names and filenames, no boundary parameter at all.
 */
export function hostileMultipart(content: fc.Arbitrary<Buffer>): fc.Arbitrary<MultipartBody> {
  const boundary = fc.oneof(fc.constantFrom('x', '----halo', 'a'.repeat(70), '"quoted"', 'spa ce', '--'), fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,70}$/));
  const name = fc.oneof(fc.constant('avatar'), fc.constantFrom('Avatar', 'avatar[]', 'file', '', 'avatar"; x="'), unicodeString);
  const part = fc.record({
    name,
    filename: fc.option(fc.oneof(fc.constantFrom('me.png', '../../etc/passwd', 'a.svg', ''), unicodeString), { nil: undefined }),
    type: fc.option(fc.oneof(fc.constantFrom(...IMAGE_TYPES), fc.constantFrom('text/html', 'application/octet-stream'), headerTextOf(30)), { nil: undefined }),
    content,
  });
  const parts: fc.Arbitrary<Part[]> = fc.oneof(
    { weight: 5, arbitrary: fc.array(part, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 1_000 }).map((n) => Array.from({ length: n }, (_, i): Part => ({ name: `p${i}`, content: Buffer.from('x') }))) },
  );
  return fc
    .record({
      boundary,
      declaredBoundary: fc.option(fc.oneof(boundary, fc.constantFrom('', '""')), { nil: undefined }),
      withoutParameter: fc.boolean(),
      parts,
      closed: fc.boolean(),
      cutAt: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    })
    .map(({ boundary: used, declaredBoundary, withoutParameter, parts, closed, cutAt }) => {
      const declared = declaredBoundary ?? used;
      const whole = Buffer.concat([...parts.map((p) => partBytes(used, p)), Buffer.from(closed ? `--${used}--${CRLF}` : '')]);
      const body = cutAt === undefined ? whole : whole.subarray(0, Math.floor(whole.length * cutAt));
      return { contentType: withoutParameter ? 'multipart/form-data' : `multipart/form-data; boundary=${declared}`, body };
    });
}

/** A well-formed multipart body with one `avatar` file (what a browser form sends). */
export function multipartWith(content: Buffer, boundary = '----halo-fuzz'): MultipartBody {
  const body = Buffer.concat([partBytes(boundary, { name: 'avatar', filename: 'me.png', type: 'application/octet-stream', content }), Buffer.from(`--${boundary}--${CRLF}`)]);
  return { contentType: `multipart/form-data; boundary=${boundary}`, body };
}
