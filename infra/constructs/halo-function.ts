import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type ICommandHooks, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { FUNCTION_DEFAULTS, type FunctionSpec, MAX_FUNCTION_NAME_LENGTH } from '../catalog';

/** Resolved from this file, not from the working directory, so synth works from any folder (and from Jest). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Long enough to investigate an incident reported a few weeks late; short enough to keep no one's data for long. */
export const LOG_RETENTION = RetentionDays.ONE_MONTH;

/** npm's name (`process.arch`) for each Lambda architecture: what `--cpu` picks platform-specific packages by. */
const NPM_CPU_OF_ARCHITECTURE: Readonly<Record<string, string>> = { [Architecture.ARM_64.name]: 'arm64', [Architecture.X86_64.name]: 'x64' };

/**
 * The environment of the `npm ci` that installs a function's `nativeModules` into its bundle: npm
 * installs the optional packages that match this os/cpu/libc (sharp's `@img/sharp-linux-arm64` and
 * `@img/sharp-libvips-linux-arm64` on Graviton) instead of those of the machine running the synth.
 * NodejsFunction runs every bundling step, that install included, with `bundling.environment` added to
 * its own. Lambda's Node runtimes run on Amazon Linux 2023, which is glibc. `prefer-offline`: the lock file pins
 * versions and integrity, so cached metadata and tarballs are used as they are and only a cold npm
 * cache needs the registry.
 */
export function nativeModulesInstallEnvironment(architecture: Architecture): Record<string, string> {
  const cpu = NPM_CPU_OF_ARCHITECTURE[architecture.name];
  if (!cpu) throw new Error(`no npm cpu for the Lambda architecture "${architecture.name}"`);
  return { npm_config_os: 'linux', npm_config_cpu: cpu, npm_config_libc: 'glibc', npm_config_prefer_offline: 'true' };
}

/**
 * How every function is bundled and started, in one object the cold-start bench (bench/support/esbuild-options.ts)
 * and the bundle tests build with too, so what they measure is what is deployed.
 */
export const HALO_BUNDLING = {
  minify: true,
  // No source map, on purpose: with NODE_OPTIONS=--enable-source-maps Node reads and parses the map at every
  // cold start, ~20 ms of CPU (a fifth of get-user's init) for nicer traces of errors that should not happen
  // (docs/performance.md, part 1). keepNames keeps the original function and class names in minified code
  // (~2-4 ms), so a stack trace still says `authenticate` or `getUserAndSession`; the exact position can be
  // mapped offline by rebuilding the same commit with --sourcemap (esbuild's output is deterministic).
  sourceMap: false,
  keepNames: true,
  target: 'node22',
  // The sources are ESM; esbuild turns them (and ESM-only dependencies) into one CommonJS file.
  format: OutputFormat.CJS,
  // Prefer packages' ES module builds: esbuild can tree-shake those (the SDK's CommonJS build it cannot),
  // which roughly halves get-user's bundle and cuts its cold start by about a third (docs/performance.md).
  mainFields: ['module', 'main'],
  // A CommonJS bundle has no `import.meta`: esbuild would leave it empty (and warn). The module's own path is
  // what it names, and all Halo uses it for is `createRequire`, which takes a path as well as a URL (the
  // installed phone metadata, outside Lambda: lib/identifiers/phone-numbers.ts).
  define: { 'import.meta.url': '__filename' },
} as const;

export interface HaloFunctionProps {
  readonly spec: FunctionSpec;
  /** The Lambda's name: explicit, `<stack>-<catalog name>` (see deployedFunctionName in infra/catalog.ts). */
  readonly functionName: string;
  /**
   * The one place a function's architecture is decided (by the deploy target): the Lambda runs on it
   * and its native modules' binaries are installed for it.
   */
  readonly architecture: Architecture;
  readonly environment?: Record<string, string>;
  /** Executions reserved for it (infra/reserved-concurrency.ts); none by default. */
  readonly reservedConcurrency?: number;
}

/**
 * The house Lambda: one catalog entry, bundled from `functions/<name>.ts` by the locally installed
 * esbuild (never Docker, so synth runs on any machine with `npm ci`). Everything that should be the
 * same for every function lives here; what differs (memory, timeout, native modules) comes from the catalog.
 */
export class HaloFunction extends NodejsFunction {
  readonly spec: FunctionSpec;

  constructor(scope: Construct, id: string, { spec, functionName, architecture, environment = {}, reservedConcurrency }: HaloFunctionProps) {
    if (functionName.length > MAX_FUNCTION_NAME_LENGTH || !/^[A-Za-z0-9_-]+$/.test(functionName)) {
      throw new Error(`"${functionName}" is not a valid Lambda function name (letters, digits, - and _, at most ${MAX_FUNCTION_NAME_LENGTH})`);
    }
    const nativeModules = spec.nativeModules ?? [];
    // An explicit log group, so retention is set by CloudFormation rather than by a custom resource.
    // Destroyed with the stack: its contents expire anyway, and orphans would pile up per function.
    // CloudWatch Logs encrypts it at rest (service-managed keys).
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: LOG_RETENTION, removalPolicy: RemovalPolicy.DESTROY });
    // An execution role of its own with no managed policy: AWSLambdaBasicExecutionRole would let it
    // create log groups and write to any of them; this one may only write to its own log group.
    // What the catalog grants it comes on top (HaloFunctions).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${functionName} function`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      functionName,
      entry: join(PROJECT_ROOT, 'functions', `${spec.name}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: spec.description,
      runtime: Runtime.NODEJS_22_X,
      architecture,
      role,
      memorySize: spec.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
      reservedConcurrentExecutions: reservedConcurrency,
      timeout: Duration.seconds(spec.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds),
      environment,
      logGroup,
      bundling: {
        forceDockerBundling: false,
        ...HALO_BUNDLING,
        mainFields: [...HALO_BUNDLING.mainFields],
        // The SDK is bundled: the version in package-lock.json is the one tested, not whatever the runtime ships.
        bundleAwsSDK: true,
        // Native code (sharp's libvips) cannot go into the bundle: such a package is left external and
        // `npm ci` installs it, at the version in package-lock.json, into the bundle's node_modules/ with
        // the binaries for Lambda's platform rather than this machine's. Everything else (argon2id is WASM)
        // is bundled, and those functions ship index.js alone.
        ...(nativeModules.length > 0 && {
          nodeModules: [...nativeModules],
          environment: nativeModulesInstallEnvironment(architecture),
        }),
        ...((spec.docsSite || spec.phoneMetadata) && { commandHooks: dataFileHooks(spec) }),
      },
    });
    this.spec = spec;
    Validations.of(this).acknowledge({ id: 'AwsSolutions-L1', reason: NODE_22_REASON });
  }
}

/** Why the functions run Node.js 22 rather than the newest Lambda runtime (cdk-nag AwsSolutions-L1). */
export const NODE_22_REASON =
  'Node.js 22 is the runtime Halo is built (esbuild target node22), tested and emulated for, and it is supported by Lambda; moving to a newer runtime is a deliberate upgrade with its own test run, not a lint fix.';

/** Where a `docsSite` function finds the site: `docs/` beside index.js (lib/config.ts docsSiteDirectory()). */
export const BUNDLED_DOCS_FOLDER = 'docs';

/** Where a `phoneMetadata` function finds the phone metadata: beside index.js (lib/config.ts bundledPhoneMetadataFile()). */
export const BUNDLED_PHONE_METADATA_FILE = 'phone-metadata.max.json';

/** The installed libphonenumber-js's metadata, the very file lib/identifiers/phone-numbers.ts reads outside Lambda. */
export const PHONE_METADATA_SOURCE = createRequire(import.meta.url).resolve('libphonenumber-js/metadata.max.json');

/**
 * The data files a function ships beside its bundle, written after bundling (in the project root):
 * - `docsSite`: the documentation site, built by the project's own builder (`npm run docs:build -- <folder>`, a few
 *   seconds), so what is deployed is always built from the current specifications, and a stale or missing dist/docs
 *   cannot be shipped;
 * - `phoneMetadata`: the phone metadata, copied from the installed package, so it always matches the bundled
 *   libphonenumber-js code (node, not `cp`, so the hook runs wherever the synth does).
 */
function dataFileHooks(spec: FunctionSpec): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => [
      ...(spec.docsSite ? [`npm run --silent docs:build -- "${outputDir}/${BUNDLED_DOCS_FOLDER}"`] : []),
      ...(spec.phoneMetadata
        ? [`node -e "require('node:fs').copyFileSync(process.argv[1], process.argv[2])" "${PHONE_METADATA_SOURCE}" "${outputDir}/${BUNDLED_PHONE_METADATA_FILE}"`]
        : []),
    ],
  };
}
