import { DockerfileParser, type Dockerfile } from 'dockerfile-ast';
import { validate, ValidationSeverity, type ValidatorSettings } from 'dockerfile-utils';
import { projectFile } from './compose-file';

/**
 * Dockerfile.deploy, linted without a Docker engine: dockerfile-utils' validator (the one behind VS Code's
 * Docker extension, from npm) with every check it has switched to error, then the rules of hadolint that
 * apply to this file (hadolint itself is a binary download, which these machines cannot make), each named
 * by its hadolint id, and what the Docker set-up needs of the image.
 */
const ALL_CHECKS_AS_ERRORS: Required<ValidatorSettings> = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

const text = projectFile('Dockerfile.deploy');
const dockerfile: Dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const keywords = instructions.map((instruction) => instruction.getKeyword());
const argumentsOf = (keyword: string) => instructions.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');
const lint = (content: string) => validate(content, ALL_CHECKS_AS_ERRORS).map((d) => `${d.range.start.line + 1}: ${d.message}`);

describe('Dockerfile.deploy: dockerfile-utils validator', () => {
  it('finds nothing, with every check as an error', () => {
    expect(lint(text)).toEqual([]);
  });

  it('has teeth: it flags a relative WORKDIR, MAINTAINER, a bad instruction and a second CMD', () => {
    const problems = lint('FROM node:22.21.1\nMAINTAINER someone\nWORKDIR app\nRUNN true\nCMD ["a"]\nCMD ["b"]\n');
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });
});

describe('Dockerfile.deploy: hadolint rules that apply to it', () => {
  const froms = dockerfile.getFROMs();

  it('DL3006/DL3007: pins every base image to a version tag, never latest, and to a digest', () => {
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) {
      expect(from.getImageTag()).toMatch(/^\d+\.\d+\.\d+-/);
      expect(from.getImageDigest()).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it('uses Node 22 (what Lambda runs) on glibc Debian (like Lambda, so native binaries match)', () => {
    const [from] = froms;
    expect(from?.getImageName()).toBe('node');
    expect(from?.getImageTag()).toMatch(/^22\.\d+\.\d+-bookworm-slim$/);
  });

  it('DL3002: runs as an unprivileged user (the last USER is not root)', () => {
    const users = argumentsOf('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  });

  it('DL3020: copies with COPY, never ADD (no remote URLs, no auto-extraction)', () => {
    expect(keywords).not.toContain('ADD');
  });

  it('DL3025: CMD and ENTRYPOINT in exec (JSON) form', () => {
    for (const command of [...argumentsOf('CMD'), ...argumentsOf('ENTRYPOINT')]) expect(() => JSON.parse(command)).not.toThrow();
  });

  it('DL3004/DL3008-style: no sudo, no apt-get, no curl-to-shell: nothing installed beyond the lock file', () => {
    for (const run of argumentsOf('RUN')) expect(run).not.toMatch(/\b(sudo|apt-get|apk|curl|wget)\b/);
  });

  it('installs exactly the lock file (`npm ci`), copied on its own before the sources, as the unprivileged user', () => {
    const runs = argumentsOf('RUN');
    expect(runs.some((run) => /^npm ci\b/.test(run))).toBe(true);
    expect(runs.some((run) => /\bnpm (install|i)\b/.test(run))).toBe(false);
    const lockCopy = keywords.findIndex((keyword, i) => keyword === 'COPY' && (instructions[i]?.getArgumentsContent() ?? '').includes('package-lock.json'));
    const install = instructions.findIndex((i) => i.getKeyword() === 'RUN' && /^npm ci\b/.test(i.getArgumentsContent() ?? ''));
    const sources = instructions.findIndex((i) => i.getKeyword() === 'COPY' && /(^|\s)\.\s+\.$/.test(i.getArgumentsContent() ?? ''));
    const user = keywords.indexOf('USER');
    expect(user).toBeLessThan(lockCopy);
    expect(lockCopy).toBeLessThan(install);
    expect(install).toBeLessThan(sources);
  });

  it('holds no secret: no ENV or ARG with a secret-sounding name', () => {
    for (const declaration of [...argumentsOf('ENV'), ...argumentsOf('ARG')]) expect(declaration).not.toMatch(/(TOKEN|SECRET|PASSWORD|PRIVATE|ACCESS_KEY)/);
  });

  it('runs the deployer by default, and exposes the gateway port', () => {
    expect(JSON.parse(argumentsOf('CMD').at(-1) ?? '[]')).toEqual(['npx', 'tsx', 'deploy/localstack-deploy.ts']);
    expect(argumentsOf('EXPOSE')).toEqual(['3000']);
  });
});

describe('Dockerfile.deploy: nothing phones home while it builds or runs', () => {
  /** Every ENV the file sets, as name → value (`ENV A=1 \\ B=2` declares several). */
  const declared = new Map(
    instructions
      .filter((i) => i.getKeyword() === 'ENV')
      .flatMap((i) => (i.getArgumentsContent() ?? '').split(/\s*\\?\s*\n\s*|\s+/))
      .map((pair) => pair.split('=') as [string, string]),
  );
  const envLine = instructions.findIndex((i) => i.getKeyword() === 'ENV');
  const install = instructions.findIndex((i) => i.getKeyword() === 'RUN' && /^npm ci\b/.test(i.getArgumentsContent() ?? ''));

  it("turns off @scarf/scarf's install report (Spectral's dependency) before `npm ci` runs its install script", () => {
    expect(declared.get('SCARF_ANALYTICS')).toBe('false');
    expect(declared.get('DO_NOT_TRACK')).toBe('1');
    expect(envLine).toBeGreaterThanOrEqual(0);
    expect(envLine).toBeLessThan(install);
  });

  it('uses the opt-outs the installed @scarf/scarf actually reads (report.js), and package.json opts out for installs outside Docker', () => {
    const report = projectFile('node_modules/@scarf/scarf/report.js');
    expect(report).toContain("process.env.SCARF_ANALYTICS === 'false'");
    expect(report).toContain("process.env.DO_NOT_TRACK === '1'");
    expect(report).toContain('rootPackage.scarfSettings.enabled === false');
    expect((JSON.parse(projectFile('package.json')) as { scarfSettings?: { enabled?: boolean } }).scarfSettings).toEqual({ enabled: false });
  });

  it("turns off the Redocly CLI's telemetry (the docs build) and the CDK CLI's, and npm's notices", () => {
    expect(declared.get('REDOCLY_TELEMETRY')).toBe('off');
    expect(declared.get('CDK_DISABLE_CLI_TELEMETRY')).toBe('true');
    expect(declared.get('CDK_DISABLE_VERSION_CHECK')).toBe('true');
    expect(declared.get('NPM_CONFIG_UPDATE_NOTIFIER')).toBe('false');
  });
});

describe('.dockerignore', () => {
  const ignored = projectFile('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('keeps secrets, local state and anything the image builds itself out of the build context', () => {
    expect(ignored).toEqual(expect.arrayContaining(['.env', '.git', 'node_modules', 'cdk.out', 'dist', '.data']));
  });
});
