import fc from 'fast-check';
import { call } from '../support/http';
import { answerOf, expectSafeAnswer, shapeOf } from './support/answer-checks';
import { useFuzzStack, WITNESS_PASSWORD } from './support/fuzz-stack';
import { FUZZ_TEST_TIMEOUT_MS, runs } from './support/fuzz-runs';
import { contentType, formText, garbageBytes, headerTextOf, httpMethod, longString, requestPath, unicodeString } from './support/hostile-values';

const fuzz = useFuzzStack();

const basicAuthorization = fc.oneof(
  fc.constantFrom('Basic JSU6', 'Basic JQ==', 'Basic %%%', 'Basic ', 'Basic Og==', 'Basic bXktYXBwOg==', 'Basic ' + Buffer.from('\u0000:\u0000').toString('base64')),
  unicodeString.map((text) => `Basic ${Buffer.from(text).toString('base64')}`),
  headerTextOf(40).map((text) => `Basic ${text}`),
);

const formRequest = fc.record({
  body: fc.oneof({ weight: 4, arbitrary: formText }, { weight: 1, arbitrary: garbageBytes }, { weight: 1, arbitrary: longString }),
  contentType: fc.oneof({ weight: 3, arbitrary: fc.constant('application/x-www-form-urlencoded') }, { weight: 1, arbitrary: contentType }),
  authorization: fc.option(basicAuthorization, { nil: undefined }),
});

const postForm = ({ body, contentType: type, authorization }: { body: string | Uint8Array; contentType: string; authorization?: string }, path: string) =>
  call(`${fuzz.stack.url}${path}`, {
    method: 'POST',
    headers: { ...(type ? { 'content-type': type } : {}), ...(authorization ? { authorization } : {}) },
    body,
  });

describe('the OAuth, discovery, documentation and fallback routes under hostile input', () => {
  it('POST /oauth/token answers any form with an RFC 6749 §5.1 token or §5.2 error', async () => {
    // Some cases are real password grants: those must still succeed.
    const goodGrant = fc.constant({
      body: new URLSearchParams({ grant_type: 'password', username: fuzz.witness.identifier, password: WITNESS_PASSWORD }).toString(),
      contentType: 'application/x-www-form-urlencoded',
      authorization: undefined,
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 12, arbitrary: formRequest }, { weight: 1, arbitrary: goodGrant }), async (request) => {
        expectSafeAnswer(answerOf(await postForm(request, '/oauth/token')), 'oauth-token');
      }),
      runs(60),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('POST /oauth/revoke answers any form as RFC 7009 says', async () => {
    await fc.assert(
      fc.asyncProperty(formRequest, async (request) => {
        expectSafeAnswer(answerOf(await postForm(request, '/oauth/revoke')), 'oauth-revoke');
      }),
      runs(60),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('serves the discovery documents and the docs whatever headers and query strings come along', async () => {
    const paths = fc.constantFrom('/.well-known/oauth-authorization-server', '/.well-known/jwks.json', '/docs', '/docs/openapi.yaml', '/docs/index.html');
    const query = fc.dictionary(fc.string({ maxLength: 8 }), unicodeString.map((text) => text.replace(/[\ud800-\udfff]/g, '')), { maxKeys: 3 });
    const headers = fc.dictionary(fc.constantFrom('accept', 'accept-encoding', 'accept-language', 'if-none-match', 'if-modified-since', 'range', 'origin', 'x-forwarded-for', 'content-type'), headerTextOf(80), { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(paths, query, headers, async (path, params, sent) => {
        const answer = answerOf(await call(`${fuzz.stack.url}${path}?${new URLSearchParams(params)}`, { headers: sent }));
        expectSafeAnswer(answer, shapeOf('GET', path));
        expect(answer.status).toBe(200);
      }),
      runs(30),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('answers made-up documentation files and avatar URLs with a JSend 404', async () => {
    const segment = fc.oneof(unicodeString.map((text) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '?'))), fc.constantFrom('%ZZ', '%', '..%2F..%2Fpackage.json', 'a'.repeat(300) + '.html', '.html', 'index.HTML', '00000000-0000-0000-0000-000000000000'));
    const path = fc.oneof(
      segment.map((file) => `/docs/${file}`),
      fc.tuple(segment, segment).map(([user, version]) => `/avatars/${user}/${version}`),
      segment.map((version) => `/avatars/${fuzz.witness.id}/${version}`),
    );
    await fc.assert(
      fc.asyncProperty(path, async (target) => {
        const url = new URL(`${fuzz.stack.url}${target}`);
        const answer = answerOf(await call(url.href, { redirect: 'manual' }));
        expectSafeAnswer(answer, shapeOf('GET', url.pathname));
        expect(answer.status).toBe(404);
      }),
      runs(60),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('answers random methods on random paths with the route’s answer or a JSend 404/405', async () => {
    const body = fc.option(fc.oneof(formText, garbageBytes, unicodeString), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(httpMethod, requestPath, body, fc.option(contentType, { nil: undefined }), async (method, path, payload, type) => {
        const url = new URL(`${fuzz.stack.url}${path}`);
        const canHaveBody = method !== 'GET' && method !== 'HEAD';
        const answer = answerOf(
          await call(url.href, {
            method,
            redirect: 'manual',
            headers: type ? { 'content-type': type } : {},
            body: canHaveBody ? payload : undefined,
          }),
        );
        // HEAD answers carry no body to check the shape of.
        if (method === 'HEAD') {
          expect(answer.status).toBeLessThan(500);
          return;
        }
        expectSafeAnswer(answer, shapeOf(method, url.pathname));
      }),
      runs(200),
    );
  }, FUZZ_TEST_TIMEOUT_MS);
});
