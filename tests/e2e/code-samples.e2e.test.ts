import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { startStackProcess, withTempDir, type RunningStack } from '../support/embedded-stack-process';
import { call } from '../support/http';
import { pngImage } from '../support/images';
import { CURL, needs } from '../support/optional-tools';
import { shellSession } from '../support/shell-session';

/**
 * The reference's "try it" samples (the `x-codeSamples` of docs/openapi.yaml), run as a reader would:
 * in one shell, in an order that makes sense, with ACCESS_TOKEN, REFRESH_TOKEN and AVATAR_URL set from the
 * answers as the reference says, and an image `me.png` in the folder. Only the port differs from 3000.
 */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
interface Sample {
  lang: string;
  label: string;
  source: string;
}
const openapi = parseYaml(readFileSync(join(PROJECT_ROOT, 'docs/openapi.yaml'), 'utf8')) as {
  paths: Record<string, Record<string, { operationId: string; 'x-codeSamples'?: Sample[] }>>;
};
const SHELL_SAMPLES = Object.values(openapi.paths)
  .flatMap((item) => Object.values(item))
  .flatMap((operation) => (operation['x-codeSamples'] ?? []).filter((s) => s.lang === 'Shell').map((s) => ({ ...s, operationId: operation.operationId })));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- answers of every shape
/** What a sample must print, and what the reader takes from its answer for the next ones. */
interface Step {
  readonly operationId: string;
  readonly label: string;
  readonly expected: string[];
  readonly keep?: (answer: Json) => Record<string, string>;
}
const tokens = (answer: Json) => ({ ACCESS_TOKEN: answer.data.accessToken, REFRESH_TOKEN: answer.data.refreshToken });
const PLAN: Step[] = [
  { operationId: 'register', label: 'curl', expected: ['"status":"success"', '"tokenType":"Bearer"'] },
  { operationId: 'login', label: 'curl', expected: ['"status":"success"'], keep: tokens },
  { operationId: 'getUser', label: 'curl', expected: ['"identifierType":"email"'] },
  { operationId: 'exportUser', label: 'curl', expected: ['"format":"halo-account-export/1"'] },
  { operationId: 'listSessions', label: 'curl', expected: ['"current":true'] },
  { operationId: 'endOtherSessions', label: 'curl', expected: ['"endedSessions"'] },
  { operationId: 'addIdentifier', label: 'curl', expected: ['"value":"+442079460958"'] },
  { operationId: 'removeIdentifier', label: 'curl', expected: ['"status":"success"'] },
  { operationId: 'refresh', label: 'curl', expected: ['"refreshToken"'], keep: tokens },
  { operationId: 'uploadAvatar', label: 'curl (multipart)', expected: ['"avatarUrl"'], keep: (a) => ({ AVATAR_URL: a.data.avatarUrl }) },
  { operationId: 'uploadAvatar', label: 'curl (raw body)', expected: ['"avatarUrl"'], keep: (a) => ({ AVATAR_URL: a.data.avatarUrl }) },
  { operationId: 'getAvatar', label: 'curl', expected: ['302 Found', 'location: http://127.0.0.1:'] },
  { operationId: 'createAvatarUpload', label: 'Node.js (both steps)', expected: ['storage answered 204'] },
  { operationId: 'oauthToken', label: 'curl (password grant)', expected: ['"token_type":"Bearer"'] },
  {
    operationId: 'oauthToken',
    label: 'curl (refresh grant)',
    expected: ['"refresh_token"'],
    keep: (a) => ({ ACCESS_TOKEN: a.access_token, REFRESH_TOKEN: a.refresh_token }),
  },
  { operationId: 'oauthMetadata', label: 'curl', expected: ['"token_endpoint"'] },
  { operationId: 'jwks', label: 'curl', expected: ['"keys"'] },
  { operationId: 'docsHome', label: 'curl', expected: [] },
  { operationId: 'docsFile', label: 'curl', expected: [] },
  { operationId: 'demoApp', label: 'curl', expected: [] },
  { operationId: 'changePassword', label: 'curl', expected: ['"endedSessions"'] },
  { operationId: 'deleteUser', label: 'curl', expected: ['{"status":"success","data":null}'] },
  { operationId: 'oauthRevoke', label: 'curl', expected: ['200'] },
];

let stack: RunningStack;
beforeAll(async () => {
  stack = await startStackProcess();
});
afterAll(() => stack.stop());

needs(CURL, "the reference's curl samples").describe("the reference's shell samples (x-codeSamples in docs/openapi.yaml)", () => {
  it('are all in this test', () => {
    const planned = PLAN.map((step) => `${step.operationId}: ${step.label}`).sort();
    expect(SHELL_SAMPLES.map((sample) => `${sample.operationId}: ${sample.label}`).sort()).toEqual(planned);
  });

  it('work as written against the embedded stack', () =>
    withTempDir(async (folder) => {
      const port = new URL(stack.url).port;
      writeFileSync(join(folder, 'me.png'), await pngImage(96, 96));
      const session = shellSession(folder);
      try {
        for (const step of PLAN) {
          const sample = SHELL_SAMPLES.find((s) => s.operationId === step.operationId && s.label === step.label);
          const printed = await session.run(String(sample?.source).replaceAll('localhost:3000', `localhost:${port}`), step.expected);
          expect([step.operationId, step.label, printed]).not.toEqual([step.operationId, step.label, expect.stringMatching(/command not found|Error:|"status":"fail"|"error":/)]);
          if (step.keep) {
            const kept = step.keep(JSON.parse(printed.trim()) as Json);
            await session.run(Object.entries(kept).map(([name, value]) => `export ${name}='${value}'`).join('\n'));
          }
        }
      } finally {
        await session.close();
      }
      expect(readFileSync(join(folder, 'halo-docs.html'), 'utf8')).toContain('Halo API documentation');
      expect(JSON.parse(readFileSync(join(folder, 'halo-account.json'), 'utf8')).data.export.identifiers).toHaveLength(1);
      expect(readFileSync(join(folder, 'openapi.yaml'), 'utf8')).toBe(readFileSync(join(PROJECT_ROOT, 'docs/openapi.yaml'), 'utf8'));
      // Deleted means deleted: the last access token the samples used no longer works either.
      const lastToken = [...session.output().matchAll(/ACCESS_TOKEN='([^']+)'/g)].pop()?.[1] ?? '';
      expect((await call(`${stack.url}/api/user`, { headers: { authorization: `Bearer ${lastToken}` } })).status).toBe(401);
    }));
});
