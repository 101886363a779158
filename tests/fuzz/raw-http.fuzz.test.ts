import fc from 'fast-check';
import { HTTP_ROUTES } from '#infra/catalog';
import { expectSafeAnswer, isGatewayAnswer, shapeOf, type Answer } from './support/answer-checks';
import { useFuzzStack } from './support/fuzz-stack';
import { FUZZ_TEST_TIMEOUT_MS, runs } from './support/fuzz-runs';
import { formText, jsonObjectText } from './support/hostile-values';
import { rawExchange, rawRequest, recordRawExchange } from './support/raw-http';

/**
 * What fetch will not send, written to the socket by hand: control bytes in header names and values, lying
 * and duplicated Content-Lengths, bodies on GETs, bodies over the gateway's limit, request targets that are
 * not paths. Every answer the server writes must still be a safe one, and the stack must keep serving.
 */
const fuzz = useFuzzStack();

const SAMPLE_PARAMETERS: Record<string, string> = { userId: '7d3f1c2a-5b6e-4f80-9a1b-2c3d4e5f6a7b', version: '0mwtpggk2-7917ebbe41e6', file: 'index.html' };

/** Every route of the catalog as a concrete request line; `$default` as a path no route serves. */
const ROUTES = HTTP_ROUTES.map(({ route }) => {
  if (route === '$default') return { method: 'GET', path: '/no/such/route' };
  const [method = 'GET', template = '/'] = route.split(' ');
  return { method, path: template.replace(/\{(\w+)\}/g, (_m, name: string) => SAMPLE_PARAMETERS[name] ?? 'x') };
});

/**
 * Every answer in the stream is safe. One that reached the HTTP API (it carries the gateway's request id) has
 * its route's shape and goes to the contract check too; Node's parser refuses bytes that are not HTTP before
 * any route is known, with the gateway's JSend 400.
 */
function expectSafeAnswers(answers: Answer[], method: string, target: string, headers: Record<string, string> = {}): void {
  for (const answer of answers) {
    expectSafeAnswer(answer, answer.headers['apigw-requestid'] ? shapeOf(method, target.split(/[?#]/)[0] ?? target) : 'jsend');
    recordRawExchange(fuzz.stack.url, method, target, headers, answer);
  }
}

const headerByte = fc.integer({ min: 0, max: 255 });
/** Header lines no client library writes: NUL, DEL, bare CR or LF, Latin-1 and UTF-8 bytes, bad names. */
const oddHeaderLine = fc.oneof(
  fc.tuple(fc.stringMatching(/^x-[a-z]{1,8}$/), fc.array(headerByte, { maxLength: 40 })).map(([name, bytes]) => `${name}: ${Buffer.from(bytes).toString('latin1')}`),
  fc.array(headerByte, { minLength: 1, maxLength: 20 }).map((bytes) => `${Buffer.from(bytes).toString('latin1')}: x`),
  fc.constantFrom('x-a:\u0000', 'x-a: b\rc', 'x-a: b\nc', ' x-folded: continued', 'x-no-colon', ': empty-name', 'x-a : spaced', 'content-type: application/json\u0000', 'authorization: Bearer \u00ff\u00fe'),
);

describe('raw HTTP/1.1 under hostile bytes', () => {
  it('answers header lines with control and non-ASCII bytes safely, on any route', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), fc.array(oddHeaderLine, { minLength: 1, maxLength: 3 }), async ({ method, path }, lines) => {
        const head = `${method} ${path} HTTP/1.1\r\nhost: localhost\r\n${lines.map((line) => `${line}\r\n`).join('')}connection: close\r\ncontent-length: 0\r\n\r\n`;
        expectSafeAnswers(await rawExchange(fuzz.stack.url, rawRequest(head)), method, path);
      }),
      runs(100),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('survives lying, repeated and malformed Content-Length and Transfer-Encoding headers', async () => {
    const body = fc.oneof(jsonObjectText, formText, fc.constantFrom('', '{}', '{"identifier":"a@b.co","password":"correct horse battery"}'));
    const framing = fc.oneof(
      fc.integer({ min: -5, max: 200 }).map((length) => [`content-length: ${length}`]),
      fc.constantFrom('abc', '1e3', ' 10', '0x10', '+5', '5.0', '99999999999999999999', '').map((length) => [`content-length: ${length}`]),
      fc.tuple(fc.nat(100), fc.nat(100)).map(([a, b]) => [`content-length: ${a}`, `content-length: ${b}`]),
      fc.nat(100).map((length) => [`content-length: ${length}`, 'transfer-encoding: chunked']),
      fc.constantFrom(['transfer-encoding: chunked'], ['transfer-encoding: gzip, chunked'], ['transfer-encoding: identity'], ['transfer-encoding: chunked', 'transfer-encoding: chunked']),
    );
    const route = fc.constantFrom(...ROUTES.filter(({ method }) => method === 'POST'));
    await fc.assert(
      fc.asyncProperty(route, body, framing, fc.boolean(), async ({ path }, text, lines, chunkedBody) => {
        const payload = chunkedBody ? `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n` : text;
        const head = `POST ${path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n${lines.map((line) => `${line}\r\n`).join('')}connection: close\r\n\r\n`;
        // A body shorter than declared ends with the client's half-close: no answer is due to an unfinished request.
        expectSafeAnswers(await rawExchange(fuzz.stack.url, rawRequest(head, payload)), 'POST', path, { 'content-type': 'application/json' });
      }),
      runs(60),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('refuses a body over 10 MB on every route with API Gateway\'s own 413, GETs included', async () => {
    const size = fc.integer({ min: 10 * 1024 * 1024 + 1, max: 11 * 1024 * 1024 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), size, fc.boolean(), async ({ method, path }, bytes, declared) => {
        const framing = declared ? `content-length: ${bytes}` : 'transfer-encoding: chunked';
        const body = Buffer.alloc(bytes, 0x61);
        const payload = declared ? body : Buffer.concat([Buffer.from(`${bytes.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
        const answers = await rawExchange(fuzz.stack.url, rawRequest(`${method} ${path} HTTP/1.1\r\nhost: localhost\r\n${framing}\r\nconnection: close\r\n\r\n`, payload));
        expectSafeAnswers(answers, method, path);
        expect(answers.map((answer) => answer.status)).toEqual([413]);
        expect(answers.every(isGatewayAnswer)).toBe(true);
      }),
      { ...runs(ROUTES.length), examples: ROUTES.map((route) => [route, 10 * 1024 * 1024 + 1, true] as [typeof route, number, boolean]) },
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('answers request targets that are not paths, or are odd ones', async () => {
    const target = fc.oneof(
      fc.constantFrom('*', 'http://[', 'http://example.com/api/user', 'HTTP://LOCALHOST/api/user', '//api/user', '/api/user#frag', '/api/user?%', '/api\\user', '/%00', '/api/%2e%2e/api/user', 'localhost:80', '/docs/..%2f..%2fpackage.json', '/ws'),
      fc.array(fc.integer({ min: 0x21, max: 0xff }), { minLength: 1, maxLength: 40 }).map((bytes) => `/${Buffer.from(bytes).toString('latin1')}`),
      fc.integer({ min: 2_000, max: 20_000 }).map((n) => `/${'a'.repeat(n)}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'OPTIONS', 'DELETE'), target, async (method, path) => {
        const head = `${method} ${path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`;
        expectSafeAnswers(await rawExchange(fuzz.stack.url, rawRequest(head)), method, path);
      }),
      runs(40),
    );
  }, FUZZ_TEST_TIMEOUT_MS);
});
