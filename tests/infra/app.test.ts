import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNCTIONS } from '#infra/catalog';
import { PROJECT_ROOT } from '#infra/constructs/halo-function';

/**
 * infra/app.ts itself, run as the CDK CLI runs it (cdk.json's `npx tsx infra/app.ts`, context in
 * CDK_CONTEXT_JSON, output in CDK_OUTDIR), for both targets: how options reach the stack from the
 * command line and the environment, and that cdk-nag passes inside a real synth. Bundling is switched off
 * (CDK's own `aws:cdk:bundling-stacks`), as in the other template suites; bundles.test.ts bundles.
 */
const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown }>;
}

function synthApp(context: Record<string, unknown>, env: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'halo-app-'));
  outdirs.push(outdir);
  const result = spawnSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'infra/app.ts'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    // A clean environment: nothing from the shell (a stray HALO_TARGET) may change what is synthesized.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context }),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
  });
  const template = (stackName: string) => JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), 'utf8')) as Template;
  return { status: result.status, output: `${result.stdout}\n${result.stderr}`, template };
}

const typesOf = (template: Template) => Object.values(template.Resources).map((r) => r.Type);
const functionsOf = (template: Template) => Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');

describe('infra/app.ts', () => {
  it('synthesizes the AWS target by default, with cdk-nag passing, arm64 functions and both APIs', () => {
    const { status, output, template } = synthApp({});
    expect({ status, output }).toEqual({ status: 0, output: expect.any(String) });
    const halo = template('Halo');
    expect(typesOf(halo)).toEqual(expect.arrayContaining(['AWS::ApiGatewayV2::Api', 'AWS::CloudWatch::Alarm', 'AWS::SecretsManager::RotationSchedule']));
    expect(functionsOf(halo)).toHaveLength(FUNCTIONS.length);
    for (const fn of functionsOf(halo)) expect(fn.Properties.Architectures).toEqual(['arm64']);
  }, 60_000);

  it('synthesizes the LocalStack target from HALO_ environment variables, as the compose deployer sets them', () => {
    const { status, output, template } = synthApp(
      {},
      {
        HALO_TARGET: 'localstack',
        HALO_STACK_NAME: 'HaloDev',
        HALO_PUBLIC_BASE_URL: 'http://localhost:8080',
        HALO_LAMBDA_ARCHITECTURE: 'x86_64',
      },
    );
    expect({ status, output }).toEqual({ status: 0, output: expect.any(String) });
    const halo = template('HaloDev');
    expect(typesOf(halo).filter((type) => type.startsWith('AWS::ApiGatewayV2::') || type.startsWith('Custom::'))).toEqual([]);
    for (const fn of functionsOf(halo)) {
      expect(fn.Properties.Architectures).toEqual(['x86_64']);
      expect(String(fn.Properties.FunctionName)).toMatch(/^HaloDev-[a-z-]+$/);
    }
    expect(halo.Outputs.DocsUrl?.Value).toBe('http://localhost:8080/docs');
  }, 60_000);

  it('throttles both API stages with throttleRate/throttleBurst from the context, or HALO_THROTTLE_RATE/HALO_THROTTLE_BURST', () => {
    const throttlesOf = (template: Template) =>
      Object.values(template.Resources)
        .filter((r) => r.Type === 'AWS::ApiGatewayV2::Stage')
        .map((r) => r.Properties.DefaultRouteSettings);
    const fromContext = synthApp({ throttleRate: '2500', throttleBurst: '1500' }, { HALO_THROTTLE_RATE: '7', HALO_THROTTLE_BURST: '7' });
    expect({ status: fromContext.status, output: fromContext.output }).toEqual({ status: 0, output: expect.any(String) });
    expect(throttlesOf(fromContext.template('Halo'))).toEqual([
      expect.objectContaining({ ThrottlingRateLimit: 2500, ThrottlingBurstLimit: 1500 }),
      expect.objectContaining({ ThrottlingRateLimit: 2500, ThrottlingBurstLimit: 1500 }),
    ]);
    const fromEnvironment = synthApp({}, { HALO_THROTTLE_RATE: '300', HALO_THROTTLE_BURST: '600' });
    expect(throttlesOf(fromEnvironment.template('Halo'))).toEqual([
      expect.objectContaining({ ThrottlingRateLimit: 300, ThrottlingBurstLimit: 600 }),
      expect.objectContaining({ ThrottlingRateLimit: 300, ThrottlingBurstLimit: 600 }),
    ]);
  }, 120_000);

  it('refuses a stage throttle API Gateway would refuse, naming the option', () => {
    const { status, output } = synthApp({ throttleBurst: '12.5' });
    expect(status).not.toBe(0);
    expect(output).toContain('throttleBurst (HALO_THROTTLE_BURST) must be a positive whole number');
  }, 60_000);

  it('refuses a context option the chosen target does not use, naming it', () => {
    const { status, output } = synthApp({ target: 'aws', s3Endpoint: 'http://localstack:4566' });
    expect(status).not.toBe(0);
    expect(output).toContain('s3Endpoint (HALO_S3_ENDPOINT) applies to the localstack target only');
  }, 60_000);
});
