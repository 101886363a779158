import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkStackOutputs } from '../support/stack-output-check';

/** The suite's final log check (global-teardown.ts) must fail on a leaked secret, or it checks nothing. */
const outputs = (logs: string[]) => {
  const folder = mkdtempSync(join(tmpdir(), 'halo-stack-output-test-'));
  logs.forEach((log, index) => writeFileSync(join(folder, `${index}.log`), log));
  return folder;
};

const CLEAN = 'Halo is running (embedded default)\n{"level":"INFO","message":"request refused","service":"halo","code":"invalid_token"}\n';
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEiLCJpYXQiOjE3MDAwMDAwMDB9.MEUCIQDx1u0AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';

describe('the check of every stack output', () => {
  it('reports each JWT, refresh token and signature found, naming its line', () => {
    const folder = outputs([
      CLEAN,
      `${CLEAN}[http-api] get-avatar failed: Error: could not verify ${JWT}\n`,
      `{"level":"INFO","fields":["Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo"]}\n`,
      'GET /halo/a?X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n',
    ]);
    const { stacks, problems } = checkStackOutputs(folder);
    expect(stacks).toBe(4);
    expect(problems).toEqual([
      expect.stringMatching(/^(JWT|refresh token|X-Amz-Signature) in the output of a stack, line \d+: /),
      expect.stringMatching(/^(JWT|refresh token|X-Amz-Signature) in the output of a stack, line \d+: /),
      expect.stringMatching(/^(JWT|refresh token|X-Amz-Signature) in the output of a stack, line \d+: /),
    ]);
    expect(problems.map((problem) => problem.split(' in ')[0]).sort()).toEqual(['JWT', 'X-Amz-Signature', 'refresh token']);
    expect(existsSync(folder)).toBe(false);
  });

  it('passes clean output', () => {
    expect(checkStackOutputs(outputs([CLEAN, CLEAN]))).toEqual({ stacks: 2, bytes: 2 * CLEAN.length, problems: [] });
  });
});
