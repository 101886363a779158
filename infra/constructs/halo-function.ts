import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { FUNCTION_DEFAULTS, type FunctionSpec } from '../catalog';

/** Resolved from this file, not from the working directory, so synth works from any folder (and from Jest). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Long enough to investigate an incident reported a few weeks late; short enough to keep no one's data for long. */
export const LOG_RETENTION = RetentionDays.ONE_MONTH;

export interface HaloFunctionProps {
  readonly spec: FunctionSpec;
  readonly environment?: Record<string, string>;
}

/**
 * The house Lambda: one catalog entry, bundled from `functions/<name>.ts` by the locally installed
 * esbuild (never Docker, so synth runs on any machine with `npm ci`). Everything that should be the
 * same for every function lives here; what differs (memory, timeout) comes from the catalog.
 */
export class HaloFunction extends NodejsFunction {
  readonly spec: FunctionSpec;

  constructor(scope: Construct, id: string, { spec, environment = {} }: HaloFunctionProps) {
    super(scope, id, {
      entry: join(PROJECT_ROOT, 'functions', `${spec.name}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: spec.description,
      // Graviton: cheaper per GB-second than x86, and nothing here is native code (argon2id is WASM).
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds),
      // Stack traces point at the TypeScript sources; NodejsFunction does not set this on its own.
      environment: { NODE_OPTIONS: '--enable-source-maps', ...environment },
      // An explicit log group, so retention is set by CloudFormation rather than by a custom resource.
      // Destroyed with the stack: its contents expire anyway, and orphans would pile up per function.
      logGroup: new LogGroup(scope, `${id}Logs`, { retention: LOG_RETENTION, removalPolicy: RemovalPolicy.DESTROY }),
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        // Mappings are enough for stack traces; embedding the sources would double the bundle.
        sourcesContent: false,
        target: 'node22',
        // The sources are ESM; esbuild turns them (and ESM-only dependencies) into one CommonJS file.
        format: OutputFormat.CJS,
        // The SDK is bundled: the version in package-lock.json is the one tested, not whatever the runtime ships.
        bundleAwsSDK: true,
      },
    });
    this.spec = spec;
  }
}
