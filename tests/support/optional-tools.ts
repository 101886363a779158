import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * Programs some tests need that a fresh machine with only Node does not have. Without one, its tests are
 * skipped (Jest counts them as skipped) and recorded, and the end of the run says, one line per program, what
 * was not run and the one command that enables it (tests/support/global-teardown.ts). With
 * HALO_REQUIRE_ALL_TESTS=1 (what .ci/run sets) a missing program fails those tests instead: CI cannot pass
 * with any of them skipped.
 */
export const REQUIRE_ALL_TESTS = 'HALO_REQUIRE_ALL_TESTS';

export interface OptionalTool {
  readonly name: string;
  /** The one command that installs it on Debian (what .ci/run runs). */
  readonly install: string;
  /** Where it is, or why it is not usable. */
  locate(): { path: string } | { missing: string };
}

const firstExisting = (paths: string[]) => paths.find((path) => existsSync(path));

export const CHROMIUM: OptionalTool = {
  name: 'Chromium',
  install: 'apt-get install -y --no-install-recommends chromium',
  locate() {
    const path = process.env.HALO_CHROMIUM ?? '/usr/bin/chromium';
    return existsSync(path) ? { path } : { missing: `no Chromium at ${path}` };
  },
};

export const DOCKER_COMPOSE: OptionalTool = {
  name: 'docker-compose',
  install: 'apt-get install -y --no-install-recommends docker-compose',
  locate() {
    const path = firstExisting(['/usr/bin/docker-compose', '/usr/local/bin/docker-compose']);
    return path ? { path } : { missing: 'no docker-compose in /usr/bin or /usr/local/bin' };
  },
};

/** The getting-started guide and the reference's samples are curl commands, run as written. */
export const CURL: OptionalTool = {
  name: 'curl',
  install: 'apt-get install -y --no-install-recommends curl',
  locate() {
    const result = spawnSync('curl', ['--version'], { encoding: 'utf8', timeout: 20_000 });
    return result.error || result.status !== 0 ? { missing: 'no `curl` on the PATH' } : { path: 'curl' };
  },
};

/** DynamoDB Local 3.x needs Java 17 or newer (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.DownloadingAndRunning.html). */
export const JAVA: OptionalTool = {
  name: 'Java 17+',
  install: 'apt-get install -y --no-install-recommends default-jre-headless',
  locate() {
    const result = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 20_000 });
    if (result.error || result.status !== 0) return { missing: 'no `java` on the PATH' };
    // `java -version` prints to stderr: openjdk version "17.0.15" … (or "1.8.0_…" for Java 8).
    const version = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
    const major = version ? (version[1] === '1' ? Number(version[2]) : Number(version[1])) : 0;
    return major >= 17 ? { path: 'java' } : { missing: `java is version ${major || 'unknown'}, DynamoDB Local needs 17 or newer` };
  },
};

export type ToolDecision =
  | { readonly kind: 'run'; readonly path: string }
  | { readonly kind: 'skip'; readonly missing: string }
  | { readonly kind: 'fail'; readonly message: string };

/** What to do with the tests that need `tool`: run them, skip them, or (required and missing) fail them. */
export function decide(tool: OptionalTool, what: string, env: NodeJS.ProcessEnv = process.env): ToolDecision {
  const found = tool.locate();
  if ('path' in found) return { kind: 'run', path: found.path };
  if (env[REQUIRE_ALL_TESTS] === '1') {
    return { kind: 'fail', message: `${what} cannot run: ${found.missing}, and ${REQUIRE_ALL_TESTS}=1 makes them mandatory. Install it: ${tool.install}` };
  }
  return { kind: 'skip', missing: found.missing };
}

export interface SkipRecord {
  readonly tool: string;
  readonly install: string;
  readonly missing: string;
  readonly what: string;
  readonly file: string;
}

/** Where skips are recorded for the end-of-run summary; set by tests/support/global-setup.ts. */
export const SKIPPED_DIR = 'HALO_SKIPPED_DIR';

/** The folder for this run's skip records, made by whichever global setup runs first (jest.config.js has two). */
export function ensureSkippedDir(): void {
  process.env[SKIPPED_DIR] ||= mkdtempSync(join(tmpdir(), 'halo-skipped-'));
}

export function recordSkip(record: SkipRecord, env: NodeJS.ProcessEnv = process.env): void {
  const folder = env[SKIPPED_DIR];
  if (!folder) {
    console.warn(`skipped: ${record.what} (${record.missing}); to run it: ${record.install}`);
    return;
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${randomUUID()}.json`), JSON.stringify(record));
}

/** One plain line per missing program: what was not run, and the command that enables it. */
export function skipSummary(folder: string): string[] {
  if (!existsSync(folder)) return [];
  const byTool = new Map<string, SkipRecord[]>();
  for (const name of readdirSync(folder).sort()) {
    const record = JSON.parse(readFileSync(join(folder, name), 'utf8')) as SkipRecord;
    byTool.set(record.tool, [...(byTool.get(record.tool) ?? []), record]);
  }
  return [...byTool.values()].map((records) => {
    const [first] = records as [SkipRecord];
    // By file, then what: the records' own names are random, so the line reads the same in every run.
    const sorted = [...records].sort((a, b) => a.file.localeCompare(b.file) || a.what.localeCompare(b.what));
    const what = [...new Set(sorted.map((record) => `${record.what} (${record.file})`))].join('; ');
    return `SKIPPED, ${first.tool} missing (${first.missing}): ${what}. To run them: ${first.install}`;
  });
}

const testFile = () => basename(expect.getState().testPath ?? 'unknown');

/**
 * `describe`, for a block of tests that need `tool`: the real one when the program is there, Jest's
 * `describe.skip` (recorded) when it is missing, and a block whose every test fails saying what to install
 * when it is missing under HALO_REQUIRE_ALL_TESTS=1. `path` is where the program is.
 */
export function needs(tool: OptionalTool, what: string): { path: string | undefined; describe: (name: string, body: () => void) => void } {
  const decision = decide(tool, what);
  if (decision.kind === 'run') return { path: decision.path, describe: (name, body) => describe(name, body) };
  if (decision.kind === 'skip') {
    recordSkip({ tool: tool.name, install: tool.install, missing: decision.missing, what, file: testFile() });
    return { path: undefined, describe: (name, body) => describe.skip(name, body) };
  }
  return {
    path: undefined,
    describe: (name, body) =>
      describe(name, () => {
        beforeAll(() => {
          throw new Error(decision.message);
        });
        body();
      }),
  };
}
