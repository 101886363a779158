import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decide, recordSkip, REQUIRE_ALL_TESTS, skipSummary, SKIPPED_DIR, type OptionalTool } from '../support/optional-tools';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const MISSING: OptionalTool = { name: 'halo-nowhere', install: 'apt-get install halo-nowhere', locate: () => ({ missing: 'no halo-nowhere here' }) };
const PRESENT: OptionalTool = { name: 'sh', install: 'apt-get install dash', locate: () => ({ path: '/bin/sh' }) };

describe('decide: what happens to tests that need a program', () => {
  it('runs them where the program is, required or not', () => {
    expect(decide(PRESENT, 'x', {})).toEqual({ kind: 'run', path: '/bin/sh' });
    expect(decide(PRESENT, 'x', { [REQUIRE_ALL_TESTS]: '1' })).toEqual({ kind: 'run', path: '/bin/sh' });
  });

  it('skips them where it is missing', () => {
    expect(decide(MISSING, 'the x tests', {})).toEqual({ kind: 'skip', missing: 'no halo-nowhere here' });
  });

  it(`fails them where it is missing and ${REQUIRE_ALL_TESTS}=1, saying what to install`, () => {
    const decision = decide(MISSING, 'the x tests', { [REQUIRE_ALL_TESTS]: '1' });
    expect(decision).toEqual({ kind: 'fail', message: expect.stringContaining('the x tests cannot run: no halo-nowhere here') });
    expect(decision.kind === 'fail' && decision.message).toContain('apt-get install halo-nowhere');
  });
});

describe('the end-of-run summary of skips', () => {
  it('says in one line per program what was not run and the command that enables it', () => {
    const folder = mkdtempSync(join(tmpdir(), 'halo-skipped-test-'));
    try {
      const env = { [SKIPPED_DIR]: folder };
      const record = { tool: 'Chromium', install: 'apt-get install chromium', missing: 'no Chromium at /usr/bin/chromium' };
      recordSkip({ ...record, what: 'the pages in a browser', file: 'docs.e2e.test.ts' }, env);
      recordSkip({ ...record, what: 'the pages in a browser', file: 'docs.e2e.test.ts' }, env);
      recordSkip({ ...record, what: 'the login page', file: 'login.e2e.test.ts' }, env);
      recordSkip({ tool: 'Java 17+', install: 'apt-get install default-jre-headless', missing: 'no `java`', what: 'DynamoDB Local', file: 'x.test.ts' }, env);
      expect(readdirSync(folder)).toHaveLength(4);
      expect(skipSummary(folder).sort()).toEqual([
        'SKIPPED, Chromium missing (no Chromium at /usr/bin/chromium): the pages in a browser (docs.e2e.test.ts); the login page (login.e2e.test.ts). To run them: apt-get install chromium',
        'SKIPPED, Java 17+ missing (no `java`): DynamoDB Local (x.test.ts). To run them: apt-get install default-jre-headless',
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

/** The fixture in a Jest run of its own, with the suite's own global teardown: what a developer and CI see. */
function runFixture(env: Record<string, string>) {
  const skipped = mkdtempSync(join(tmpdir(), 'halo-skipped-run-'));
  const config = {
    rootDir: PROJECT_ROOT,
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }] },
    testMatch: ['<rootDir>/tests/support/fixtures/needs-missing-program.fixture.ts'],
    globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  };
  // Both streams into one, in the order they were written, as a terminal shows them.
  const jest = [process.execPath, resolve(PROJECT_ROOT, 'node_modules/jest/bin/jest.js'), '--ci', '--config', JSON.stringify(config)];
  const result = spawnSync('sh', ['-c', `exec "$@" 2>&1`, 'sh', ...jest], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '--experimental-vm-modules', [SKIPPED_DIR]: skipped, ...env },
  });
  rmSync(skipped, { recursive: true, force: true });
  return { status: result.status, output: result.stdout };
}

describe('in a real Jest run', () => {
  it('a missing program: its tests are counted as skipped, the run passes, and its last line says how to run them', () => {
    const { status, output } = runFixture({});
    expect(output).toMatch(/Tests:\s+2 skipped, 1 passed, 3 total/);
    expect(status).toBe(0);
    expect(output.trimEnd().split('\n').at(-1)).toBe(
      'SKIPPED, halo-nowhere missing (no halo-nowhere on this machine): the tests of the fixture (needs-missing-program.fixture.ts). To run them: apt-get install halo-nowhere',
    );
  });

  it(`a missing program under ${REQUIRE_ALL_TESTS}=1: its tests fail, and so does the run`, () => {
    const { status, output } = runFixture({ [REQUIRE_ALL_TESTS]: '1' });
    expect(output).toMatch(/Tests:\s+2 failed, 1 passed, 3 total/);
    expect(output).toContain('the tests of the fixture cannot run: no halo-nowhere on this machine');
    expect(output).not.toContain('SKIPPED');
    expect(status).toBe(1);
  });
});

/**
 * The suite's own configuration (jest.config.js) on a machine without Java: a PATH holding only `node` and
 * `sh`. One integration file, in the DynamoDB Local project only.
 */
function runPassWithoutJava(env: Record<string, string>) {
  const bin = mkdtempSync(join(tmpdir(), 'halo-no-java-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  const jest = [process.execPath, resolve(PROJECT_ROOT, 'node_modules/jest/bin/jest.js'), '--ci', 'tests/integration/connections.test.ts', '--selectProjects', 'dynamodb-local'];
  const result = spawnSync('/bin/sh', ['-c', `exec "$@" 2>&1`, 'sh', ...jest], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: bin, NODE_OPTIONS: '--experimental-vm-modules', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  });
  rmSync(bin, { recursive: true, force: true });
  return { status: result.status, output: result.stdout };
}

describe('the DynamoDB Local pass on a machine without Java', () => {
  it('is skipped, counted, and named in the last line with the command that enables it', () => {
    const { status, output } = runPassWithoutJava({});
    expect(output).toMatch(/Tests:\s+\d+ skipped, \d+ total/);
    expect(output).not.toMatch(/Tests:.*(passed|failed)/);
    expect(status).toBe(0);
    expect(output.trimEnd().split('\n').at(-1)).toMatch(/^SKIPPED, Java 17\+ missing \(no `java` on the PATH\): the DynamoDB Local pass .* To run them: apt-get install -y --no-install-recommends default-jre-headless$/);
  }, 120_000);

  it(`fails under ${REQUIRE_ALL_TESTS}=1`, () => {
    const { status, output } = runPassWithoutJava({ [REQUIRE_ALL_TESTS]: '1' });
    expect(output).toMatch(/Tests:\s+\d+ failed, \d+ total/);
    expect(output).toContain('the DynamoDB Local pass (tests/integration, tests/faults and the end-to-end suites again, on Amazon DynamoDB Local) cannot run: no `java` on the PATH');
    expect(status).toBe(1);
  }, 120_000);
});
