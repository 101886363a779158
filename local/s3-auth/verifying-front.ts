import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { s3Faults } from './faults';
import { parseForm, verifyFormUpload } from './form-upload';
import { S3Error, sendS3Error } from './s3-error';
import { isSigned, parseQuery, verifySigV4, type SigV4Settings } from './sigv4';

/**
 * The local S3's public port: checks each request as S3 checks the requests to a private bucket (public
 * access blocked), then passes it to s3rver, which listens on a loopback port of its own and stores it.
 * Signed requests are passed through as they are (s3rver still writes as before, so its store and the
 * repair of unfinished objects are unchanged). Two kinds of body are read whole first, since they must be
 * judged before s3rver stores anything: a form upload (its policy and the file's size) and a body whose
 * SHA-256 was signed (`x-amz-content-sha256`, checked as S3 does); both are bounded by MAX_FORM_BYTES.
 * Bodies sent as UNSIGNED-PAYLOAD stream through.
 *
 * With `checks: false` (tests only) every request passes unchecked, as the bare s3rver did.
 */
export interface VerifyingFrontOptions {
  readonly host: string;
  /** 0 or undefined picks a free port. */
  readonly port?: number;
  readonly upstreamPort: number;
  readonly settings: SigV4Settings;
  readonly checks: boolean;
  /** Tests only: the fault control path (./faults.ts) is served; otherwise `/_local/faults` is an ordinary (refused) request. */
  readonly faults?: boolean;
  readonly clock?: () => Date;
}

/**
 * S3 takes form uploads and single PUTs of up to 5 GB; locally those read into memory are capped lower (a
 * deliberate difference: Halo's objects are at most 5 MB). A larger one is refused with S3's EntityTooLarge.
 */
export const MAX_FORM_BYTES = 64 * 1024 * 1024;

/** The SHA-256 of no bytes: what a signed request without a body (GET, DELETE, listings) declares. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export async function startVerifyingFront(options: VerifyingFrontOptions): Promise<{ server: Server; port: number }> {
  const clock = options.clock ?? (() => new Date());
  const faults = s3Faults();
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const answer = error instanceof S3Error ? error : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
      if (!(error instanceof S3Error)) console.error('[s3] request check failed:', error);
      req.resume(); // drain what the client still sends, so it reads the answer rather than a broken pipe
      if (!res.headersSent) sendS3Error(res, answer, req.headers.origin);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = parseQuery(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1));
    const signed = { method: req.method ?? 'GET', path, query, headers: req.headers };
    // Tests' injected outages (./faults.ts), before anything else judges the request.
    if (options.faults) {
      if (await faults.control(req, res, path, () => readBody(req))) return;
      faults.check(signed.method, path, query as Record<string, string>);
    }
    // CORS preflights carry no credentials on S3 either; the bucket's CORS rule answers them.
    if (!options.checks || req.method === 'OPTIONS') return forward(req, res);
    const bucketOnly = /^\/([^/]+)\/?$/.exec(path);
    if (req.method === 'POST' && bucketOnly && !isSigned(signed)) {
      const body = await readBody(req);
      await verifyFormUpload(options.settings, decodeURIComponent(bucketOnly[1] ?? ''), await parseForm(req.headers, body), clock());
      return forward(req, res, body);
    }
    await verifySigV4(options.settings, signed, clock());
    // A body whose SHA-256 was signed is checked against it before s3rver sees any of it; other bodies
    // (UNSIGNED-PAYLOAD, streamed uploads) pass through as they arrive.
    const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '').toLowerCase();
    if (req.headers.authorization !== undefined && /^[0-9a-f]{64}$/.test(payloadHash) && payloadHash !== EMPTY_SHA256) {
      const body = await readBody(req);
      const computed = createHash('sha256').update(body).digest('hex');
      if (computed !== payloadHash) {
        throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
          ClientComputedContentSHA256: payloadHash,
          S3ComputedContentSHA256: computed,
        });
      }
      return forward(req, res, body);
    }
    return forward(req, res);
  }

  function forward(req: IncomingMessage, res: ServerResponse, body?: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { host: '127.0.0.1', port: options.upstreamPort, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', resolve);
          answer.on('error', reject);
        },
      );
      upstream.on('error', reject);
      req.on('aborted', () => upstream.destroy());
      if (body) upstream.end(body);
      else req.pipe(upstream);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        req.removeAllListeners('data');
        reject(new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: size, MaxSizeAllowed: MAX_FORM_BYTES }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
