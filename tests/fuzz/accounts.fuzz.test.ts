import fc from 'fast-check';
import { bearer, call } from '../support/http';
import { bearerRoutes } from '../support/bearer-routes';
import { answerOf, expectSafeAnswer } from './support/answer-checks';
import { registerWitness, useFuzzStack, type Witness } from './support/fuzz-stack';
import { FUZZ_TEST_TIMEOUT_MS, runs } from './support/fuzz-runs';
import { anyJson, bogusAuthorization, contentType, credentialsLike, fieldValue, garbageBytes, headerTextOf, jsonObjectText, longString, unicodeString } from './support/hostile-values';

const fuzz = useFuzzStack();

/** A JSON-ish body as a client might send it: serialised, or raw bytes, under some content type. */
const jsonRequest = (body: fc.Arbitrary<unknown>) =>
  fc.record({
    body: fc.oneof(
      { weight: 4, arbitrary: body.map((value) => JSON.stringify(value) ?? '') },
      { weight: 2, arbitrary: jsonObjectText },
      { weight: 1, arbitrary: garbageBytes },
    ),
    contentType: fc.oneof({ weight: 3, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: contentType }),
  });

const post = (path: string, { body, contentType: type }: { body: string | Uint8Array; contentType: string }, headers: Record<string, string> = {}) =>
  call(`${fuzz.stack.url}${path}`, { method: 'POST', headers: { ...(type ? { 'content-type': type } : {}), ...headers }, body });

describe('the account routes under hostile input', () => {
  it.each([
    ['/api/register', 50],
    ['/api/login', 40],
  ])('POST %s answers any body with JSend, never a 5xx', async (path, numRuns) => {
    await fc.assert(
      fc.asyncProperty(jsonRequest(credentialsLike), async (request) => {
        expectSafeAnswer(answerOf(await post(path, request)), 'jsend');
      }),
      runs(numRuns),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('POST /api/refresh answers any body with JSend', async () => {
    const refreshLike = fc.oneof(fc.record({ refreshToken: fieldValue }, { requiredKeys: [] }), anyJson);
    await fc.assert(
      fc.asyncProperty(jsonRequest(refreshLike), async (request) => {
        expectSafeAnswer(answerOf(await post('/api/refresh', request)), 'jsend');
      }),
      runs(60),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('refuses long and huge fields and bodies (up to a few MB) with a 4xx naming them', async () => {
    const huge = fc.oneof(
      longString.map((text) => ({ identifier: text, password: 'x' })),
      longString.map((text) => ({ identifier: 'a@example.com', password: text })),
      longString.map((text) => ({ refreshToken: text })),
      longString.map((text) => ({ [text.slice(0, 50_000)]: 1 })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/register', '/api/login', '/api/refresh'), huge, async (path, body) => {
        const answer = answerOf(await post(path, { body: JSON.stringify(body), contentType: 'application/json' }));
        expectSafeAnswer(answer, 'jsend');
        expect(answer.status).toBeGreaterThanOrEqual(400);
      }),
      runs(15),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('gives bogus Authorization headers a 401 on every authenticated route', async () => {
    // Every route the specification says takes a Bearer token (tests/support/bearer-routes.ts).
    const routes = fc.constantFrom(...bearerRoutes().map(({ method, path }) => [method, path] as const));
    await fc.assert(
      fc.asyncProperty(routes, bogusAuthorization(fuzz.witness.accessToken), async ([method, path], authorization) => {
        const answer = answerOf(await call(`${fuzz.stack.url}${path}`, { method, headers: { authorization } }));
        expectSafeAnswer(answer, 'jsend');
        // A good token cannot be made from a bad one; some mutations of the signature's last character still verify.
        if (answer.status !== 401) expect(authorization.replace(/^Bearer /, '').slice(0, -1)).toBe(fuzz.witness.accessToken.slice(0, -1));
      }),
      runs(80),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('serves the profile whatever extra headers and query strings come with it', async () => {
    const extraHeaders = fc.dictionary(
      fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
      headerTextOf(200),
      { maxKeys: 5 },
    );
    const query = fc.dictionary(unicodeString.map((text) => text.replace(/[\ud800-\udfff]/g, '')), unicodeString.map((text) => text.replace(/[\ud800-\udfff]/g, '')), { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(extraHeaders, query, fc.option(contentType, { nil: undefined }), async (headers, params, type) => {
        const answer = answerOf(
          await call(`${fuzz.stack.url}/api/user?${new URLSearchParams(params)}`, {
            headers: { ...headers, ...(type ? { 'content-type': type } : {}), ...bearer(fuzz.witness.accessToken) },
          }),
        );
        expectSafeAnswer(answer, 'jsend');
        expect(answer.status).toBe(200);
      }),
      runs(40),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('creates presigned uploads whatever the request body, and only for a good token', async () => {
    await fc.assert(
      fc.asyncProperty(jsonRequest(anyJson), async (request) => {
        const answer = answerOf(await post('/api/user/avatar/upload', request, bearer(fuzz.witness.accessToken)));
        expectSafeAnswer(answer, 'jsend');
        expect(answer.status).toBe(200);
      }),
      runs(15),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  describe('the password and session routes', () => {
    // A witness of their own: wrong current passwords count toward its login back-off, not the file's witness's.
    let owner: Witness;
    beforeAll(async () => {
      owner = await registerWitness(fuzz.stack, 'sessions-fuzz');
    });

    it('POST /api/user/password answers any body with a JSend 4xx, never a 5xx, and the password stays', async () => {
      const passwordChangeLike = fc.oneof(
        fc.record({ currentPassword: fieldValue, newPassword: fieldValue }, { requiredKeys: [] }),
        fc.record({ currentPassword: fieldValue, newPassword: fieldValue, extra: fieldValue }),
        credentialsLike,
        anyJson,
      );
      await fc.assert(
        fc.asyncProperty(jsonRequest(passwordChangeLike), async (request) => {
          const answer = answerOf(await post('/api/user/password', request, bearer(owner.accessToken)));
          expectSafeAnswer(answer, 'jsend');
          expect(answer.status).toBeGreaterThanOrEqual(400);
        }),
        runs(40),
      );
      // Nothing above knew the current password, so nothing changed: the owner's session still stands.
      const profile = await call(`${fuzz.stack.url}/api/user`, { headers: bearer(owner.accessToken) });
      expect(profile.status).toBe(200);
    }, FUZZ_TEST_TIMEOUT_MS);

    it('DELETE /api/user/sessions/{sessionId} answers any session id with a JSend 4xx, and ends nothing', async () => {
      // '.' and '..' are dot segments: a URL parser resolves them away (to DELETE /api/user), so they name no session id.
      const sessionId = fc.oneof(unicodeString, longString.map((text) => text.slice(0, 4000)), fc.uuid(), fc.stringMatching(/^[\w-]{1,80}$/))
        .map((text) => text.replace(/[\ud800-\udfff]/g, ''))
        .filter((text) => text.length > 0 && text !== '.' && text !== '..')
        // Encoded, the id stays under the 16 KB a request line and headers may take: past that the gateway answers
        // 431 before any route (the raw-HTTP fuzz covers it), and this test is about the route.
        .filter((text) => encodeURIComponent(text).length <= 8_000);
      await fc.assert(
        fc.asyncProperty(sessionId, async (id) => {
          const answer = answerOf(
            await call(`${fuzz.stack.url}/api/user/sessions/${encodeURIComponent(id)}`, { method: 'DELETE', headers: bearer(owner.accessToken) }),
          );
          expectSafeAnswer(answer, 'jsend');
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.status).toBeLessThan(500);
        }),
        runs(60),
      );
      const sessions = await call(`${fuzz.stack.url}/api/user/sessions`, { headers: bearer(owner.accessToken) });
      expect(sessions.json.data.sessions.map((s: { current: boolean }) => s.current)).toEqual([true]);
    }, FUZZ_TEST_TIMEOUT_MS);

    it('GET and DELETE /api/user/sessions answer whatever body, query and content type come with them', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('GET', 'DELETE'), jsonRequest(anyJson), async (method, { body, contentType: type }) => {
          const other = await registerWitness(fuzz.stack, 'sessions-sweep');
          const answer = answerOf(
            await call(`${fuzz.stack.url}/api/user/sessions`, {
              method,
              headers: { ...(type ? { 'content-type': type } : {}), ...bearer(other.accessToken) },
              ...(method === 'GET' ? {} : { body }),
            }),
          );
          expectSafeAnswer(answer, 'jsend');
          expect(answer.status).toBe(200);
        }),
        runs(10),
      );
    }, FUZZ_TEST_TIMEOUT_MS);
  });

  it('POST /api/user/identifiers answers any body with JSend, never a 5xx', async () => {
    const identifierLike = fc.oneof(fc.record({ identifier: fieldValue }, { requiredKeys: [] }), credentialsLike, anyJson);
    await fc.assert(
      fc.asyncProperty(jsonRequest(identifierLike), async (request) => {
        const answer = answerOf(await post('/api/user/identifiers', request, bearer(fuzz.witness.accessToken)));
        expectSafeAnswer(answer, 'jsend');
        expect([200, 201, 400, 409, 413, 415]).toContain(answer.status);
      }),
      runs(50),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('DELETE /api/user/identifiers/{identifier} answers any path identifier (over-long, bad encodings) with JSend, never a 5xx', async () => {
    const percentJunk = fc.constantFrom('%', '%Z', '%ZZ', '%E0%A4%A', '%C0%AF', '%FF%FE', '%00', '%2F', '%252F', '%ED%A0%80', '..', '%2E%2E');
    const segment = fc.oneof(
      unicodeString.map((text) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '')) || 'x'),
      fc.array(fc.oneof(percentJunk, fc.stringMatching(/^[A-Za-z0-9@+._-]{0,8}$/)), { minLength: 1, maxLength: 6 }).map((parts) => parts.join('') || 'x'),
      // Up to ~12 KB encoded: longer request targets are refused by the HTTP server itself (431) before any route.
      longString.map((text) => encodeURIComponent(text.slice(0, 1_000)) || 'x'),
    );
    await fc.assert(
      fc.asyncProperty(segment, async (identifier) => {
        const answer = answerOf(await call(`${fuzz.stack.url}/api/user/identifiers/${identifier}`, { method: 'DELETE', headers: bearer(fuzz.witness.accessToken) }));
        expectSafeAnswer(answer, 'jsend');
        // 200 only for an identifier the witness has (the add fuzzing above may have given it some); else a 4xx.
        expect([200, 400, 404, 409, 413]).toContain(answer.status);
      }),
      runs(60),
    );
  }, FUZZ_TEST_TIMEOUT_MS);
});
