import { createSmoke, runSmoke, type Smoke } from '#deploy/smoke-steps';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';

/**
 * The smoke check that `docker compose up` runs after the gateway is healthy (deploy/smoke.ts), run here
 * against the embedded default (`npm start`), which serves the same API from the same catalog. Proves the
 * check itself: that each step asks what the API answers, and that it fails, naming the step, when the
 * service is wrong. It does not prove the Docker set-up, which needs a Docker engine (see docs/docker.md).
 */
let stack: RunningStack;
let smoke: Smoke | undefined;
beforeAll(async () => {
  stack = await startStackProcess();
}, 60_000);
afterEach(() => smoke?.close());
afterAll(async () => {
  await stack.stop();
});

describe('the smoke check (deploy/smoke-steps.ts)', () => {
  it('passes every step against a working Halo: keys, sign-up, profile, socket, avatar event, S3 redirect, docs, deletion', async () => {
    smoke = createSmoke({ baseUrl: stack.url, publicUrl: stack.url, s3PublicEndpoint: stack.s3Endpoint, eventTimeoutMs: 20_000 });
    const lines: string[] = [];
    const failure = await runSmoke(smoke.steps, (line) => lines.push(line));
    expect({ failure, lines }).toEqual({ failure: undefined, lines: expect.any(Array) });
    expect(lines).toHaveLength(smoke.steps.length);
    expect(lines.every((line) => line.startsWith('  ✓ '))).toBe(true);
  }, 60_000);

  it('fails at the first step that does not hold, naming it: a wrong public URL is caught by the issuer check', async () => {
    smoke = createSmoke({ baseUrl: stack.url, publicUrl: 'http://localhost:1', s3PublicEndpoint: stack.s3Endpoint });
    const lines: string[] = [];
    const failure = await runSmoke(smoke.steps, (line) => lines.push(line));
    expect(failure?.step).toMatch(/issuer/);
    expect(failure?.reason).toContain(`issuer is ${stack.url}, expected http://localhost:1`);
    expect(lines.at(-1)).toMatch(/^ {2}✗ /);
  }, 30_000);

  it('fails loudly, with the cause, when nothing answers', async () => {
    smoke = createSmoke({ baseUrl: 'http://127.0.0.1:9', publicUrl: 'http://127.0.0.1:9', s3PublicEndpoint: stack.s3Endpoint, requestTimeoutMs: 5_000 });
    const failure = await runSmoke(smoke.steps, () => undefined);
    expect(failure?.step).toMatch(/signing keys/);
    expect(failure?.reason).toMatch(/GET http:\/\/127\.0\.0\.1:9\/\.well-known\/jwks\.json failed/);
  }, 30_000);
});
