import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseForm, verifyFormUpload } from './form-upload';
import { S3Error, sendS3Error } from './s3-error';
import { isSigned, parseQuery, verifySigV4, type SigV4Settings } from './sigv4';

/**
 * The local S3's public port: checks each request as S3 checks the requests to a private bucket (public
 * access blocked), then passes it to s3rver, which listens on a loopback port of its own and stores it.
 * Signed requests are streamed through untouched (s3rver still writes as before, so its store and the
 * repair of unfinished objects are unchanged); a form upload is read whole first, since its policy and the
 * file's size must be judged before anything is stored (a form upload is small: MAX_FORM_BYTES).
 *
 * With `checks: false` (tests only) every request passes unchecked, as the bare s3rver did.
 */
export interface VerifyingFrontOptions {
  readonly host: string;
  readonly upstreamPort: number;
  readonly settings: SigV4Settings;
  readonly checks: boolean;
  readonly clock?: () => Date;
}

/**
 * S3 takes form uploads of up to 5 GB; locally they are read into memory, so this cap is lower (a deliberate
 * difference: Halo's own policy allows 5 MB). A larger form is refused with S3's EntityTooLarge.
 */
export const MAX_FORM_BYTES = 64 * 1024 * 1024;

export async function startVerifyingFront(options: VerifyingFrontOptions): Promise<{ server: Server; port: number }> {
  const clock = options.clock ?? (() => new Date());
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
    // CORS preflights carry no credentials on S3 either; the bucket's CORS rule answers them.
    if (!options.checks || req.method === 'OPTIONS') return forward(req, res);
    const bucketOnly = /^\/([^/]+)\/?$/.exec(path);
    if (req.method === 'POST' && bucketOnly && !isSigned(signed)) {
      const body = await readBody(req);
      await verifyFormUpload(options.settings, decodeURIComponent(bucketOnly[1] ?? ''), await parseForm(req.headers, body), clock());
      return forward(req, res, body);
    }
    await verifySigV4(options.settings, signed, clock());
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
    server.listen(0, options.host, resolve);
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
