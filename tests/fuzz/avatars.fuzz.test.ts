import fc from 'fast-check';
import { API_AVATAR_BODY_MAX_BYTES } from '#functions/common/avatar-body';
import type { RunningStack } from '../support/embedded-stack-process';
import { bearer, call } from '../support/http';
import { png } from '../support/test-images';
import { answerOf, expectSafeAnswer, isGatewayAnswer } from './support/answer-checks';
import { expectStillServing, registerWitness, startFuzzStack, type Witness } from './support/fuzz-stack';
import { FUZZ_TEST_TIMEOUT_MS, runs } from './support/fuzz-runs';
import { damagedImage, hostileMultipart, IMAGE_TYPES, multipartWith, sampleImages } from './support/hostile-uploads';
import { contentType, garbageBytes } from './support/hostile-values';

let stack: RunningStack;
let witness: Witness;
let images: readonly Buffer[];
beforeAll(async () => {
  [stack, images] = await Promise.all([startFuzzStack(), sampleImages()]);
  witness = await registerWitness(stack);
});
afterAll(() => stack.stop());

/** After each property: the profile is served, and a good upload still works and its URL redirects. */
afterEach(async () => {
  await expectStillServing(stack, witness);
  const { contentType: type, body } = multipartWith(await png(20, 20));
  const uploaded = await upload(body, type);
  expect(uploaded.status).toBe(200);
  const redirect = answerOf(await call(uploaded.json.data.avatarUrl, { redirect: 'manual' }));
  expectSafeAnswer(redirect, 'avatar-redirect');
  expect(redirect.status).toBe(302);
}, FUZZ_TEST_TIMEOUT_MS);

const upload = (body: Uint8Array, type: string | undefined) =>
  call(`${stack.url}/api/user/avatar`, { method: 'POST', headers: { ...bearer(witness.accessToken), ...(type ? { 'content-type': type } : {}) }, body });

describe('avatar uploads under hostile input', () => {
  it('judges damaged, truncated and disguised images sent raw: JSend, never a 5xx', async () => {
    const declared = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...IMAGE_TYPES) }, { weight: 1, arbitrary: contentType });
    await fc.assert(
      fc.asyncProperty(damagedImage(images), declared, async (bytes, type) => {
        const answer = answerOf(await upload(bytes, type));
        expectSafeAnswer(answer, 'jsend');
      }),
      runs(50),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('answers malformed, truncated and crowded multipart bodies with JSend', async () => {
    const content = fc.oneof(damagedImage(images), garbageBytes.map((bytes) => Buffer.from(bytes)));
    await fc.assert(
      fc.asyncProperty(hostileMultipart(content), async ({ contentType: type, body }) => {
        const answer = answerOf(await upload(body, type));
        expectSafeAnswer(answer, 'jsend');
      }),
      runs(50),
    );
  }, FUZZ_TEST_TIMEOUT_MS);

  it('refuses bodies over the API path\'s limit with a 413: Halo\'s while the event can carry them, then API Gateway\'s', async () => {
    const size = fc.oneof(
      fc.integer({ min: API_AVATAR_BODY_MAX_BYTES + 1, max: API_AVATAR_BODY_MAX_BYTES + 40_000 }), // the function still gets them
      fc.integer({ min: 4_800_000, max: 9 * 1024 * 1024 }), // their event would be over Lambda's 6 MB
      fc.integer({ min: 10 * 1024 * 1024 + 1, max: 11 * 1024 * 1024 }), // over the HTTP API's 10 MB
    );
    await fc.assert(
      fc.asyncProperty(size, fc.boolean(), fc.constantFrom(...IMAGE_TYPES), async (bytes, asForm, type) => {
        const file = Buffer.alloc(bytes, 0x89);
        const { contentType: sent, body } = asForm ? multipartWith(file) : { contentType: type, body: file };
        const answer = answerOf(await upload(body, sent));
        expectSafeAnswer(answer, 'jsend');
        expect(answer.status).toBe(413);
        expect(isGatewayAnswer(answer)).toBe(bytes >= 4_800_000);
      }),
      { ...runs(4), examples: [[API_AVATAR_BODY_MAX_BYTES + 1, false, 'image/png'], [4_800_000, true, 'image/png']] },
    );
  }, FUZZ_TEST_TIMEOUT_MS);
});
