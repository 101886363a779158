import { connect } from 'node:net';
import { recordExchange } from '#tests/support/contract-recorder';
import type { Answer } from './answer-checks';

/**
 * HTTP/1.1 written byte by byte, for what fetch refuses to send: control bytes in headers, a lying
 * Content-Length, two Content-Lengths, a body on a GET, bare CRs. The client half-closes after sending, so a
 * server waiting for more bytes sees the end; every answer written before the server closed is returned.
 */
export async function rawExchange(baseUrl: string, request: Buffer, timeoutMs = 15_000): Promise<Answer[]> {
  const { hostname, port } = new URL(baseUrl);
  const received = await new Promise<Buffer>((done, failed) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname);
    const timer = setTimeout(() => {
      socket.destroy();
      failed(new Error(`no end of the answer within ${timeoutMs} ms (the server hangs); got ${Buffer.concat(chunks).toString('latin1').slice(0, 300)}`));
    }, timeoutMs);
    socket.on('connect', () => socket.end(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer is how a server refuses to read on; what arrived before it still counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      done(Buffer.concat(chunks));
    });
  });
  return parseAnswers(received);
}

/** Splits a byte stream into the HTTP/1.1 answers in it (Content-Length or chunked bodies). */
export function parseAnswers(stream: Buffer): Answer[] {
  const answers: Answer[] = [];
  let rest = stream;
  while (rest.length > 0) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) throw new Error(`an incomplete answer: ${rest.toString('latin1').slice(0, 300)}`);
    const [statusLine = '', ...lines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
    if (!status) throw new Error(`not an HTTP answer: ${statusLine}`);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      headers[name] = headers[name] === undefined ? line.slice(colon + 1).trim() : `${headers[name]}, ${line.slice(colon + 1).trim()}`;
    }
    rest = rest.subarray(headEnd + 4);
    let body: Buffer;
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = rest.indexOf('\r\n');
        const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
        rest = rest.subarray(lineEnd + 2);
        if (!size) {
          rest = rest.subarray(rest.indexOf('\r\n') + 2);
          break;
        }
        parts.push(rest.subarray(0, size));
        rest = rest.subarray(size + 2);
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers['content-length'] ?? (status === 204 || status === 304 ? 0 : rest.length));
      body = rest.subarray(0, length);
      rest = rest.subarray(length);
    }
    answers.push({ status, headers, body: body.toString('utf8') });
  }
  return answers;
}

/**
 * Puts a raw exchange in the contract check's record when it reached the HTTP API (its answer carries the
 * gateway's request id). Answers Node's parser gives to bytes that are not HTTP belong to no operation of
 * the API, and a target that is not a path (`*`, `http://[`) cannot be matched to one: both are checked by
 * the properties only.
 */
export function recordRawExchange(baseUrl: string, method: string, target: string, requestHeaders: Record<string, string>, answer: Answer): void {
  if (!answer.headers['apigw-requestid'] || !target.startsWith('/')) return;
  let url: string;
  try {
    url = new URL(`${baseUrl}${target}`).href;
  } catch {
    return;
  }
  recordExchange({ method, url, requestHeaders, status: answer.status, headers: { ...answer.headers }, body: answer.body, redirected: false });
}

/** A request's bytes: the head as given (so it can be as wrong as a test wants), then the body. */
export function rawRequest(head: string, body: Buffer | string = ''): Buffer {
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')]);
}
