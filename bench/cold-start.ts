import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { FUNCTION_DEFAULTS, FUNCTIONS, type FunctionSpec } from '../infra/catalog';
import { externalsOf, HALO_ESBUILD_OPTIONS, LAMBDA_NODE_OPTIONS } from './support/esbuild-options';
import { PROJECT_ROOT, inheritedEnv } from './support/environment';
import { median } from './support/stats';
import { note, printTable } from './support/table';

/**
 * Cold start proxy. Every function is bundled exactly as the CDK construct bundles it, into a folder
 * outside the project (so, as on Lambda, nothing but the bundle can be loaded), then loaded in a fresh
 * `node` per run: the time `require()` takes to compile the bundle and run its module-level
 * initialisation (config, SDK clients) is the part of a Lambda cold start that the code controls.
 * The floor is a bundle, built the same way, that constructs only the SDK clients the function's catalog
 * access needs; a function can get no closer to it than that.
 */

type Client = 'dynamodb' | 'secrets' | 's3' | 'connections';

/** Which SDK clients a function needs, from what the catalog grants it. */
export function clientsNeeded(spec: FunctionSpec): Client[] {
  const clients: Client[] = [];
  if (spec.access.table) clients.push('dynamodb');
  if (spec.access.signingKey) clients.push('secrets');
  if (spec.access.bucket) clients.push('s3');
  if (spec.access.connections) clients.push('connections');
  return clients;
}

const ALL_CLIENTS: Client[] = ['dynamodb', 'secrets', 's3', 'connections'];

/** The clients constructed as functions/common/runtime/*.ts construct them, and nothing else. */
function floorSource(clients: readonly Client[]): string {
  const lines: string[] = [];
  const built: string[] = [];
  const region = `process.env.AWS_REGION || 'us-east-1'`;
  if (clients.includes('dynamodb')) {
    lines.push(`import { DynamoDBClient } from '@aws-sdk/client-dynamodb';`, `import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';`);
    built.push(`DynamoDBDocumentClient.from(new DynamoDBClient({ region: ${region} }), { marshallOptions: { removeUndefinedValues: true } })`);
  }
  if (clients.includes('secrets')) {
    lines.push(`import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';`);
    built.push(`new SecretsManagerClient({ region: ${region} })`);
  }
  if (clients.includes('s3')) {
    lines.push(`import { S3Client } from '@aws-sdk/client-s3';`);
    built.push(`new S3Client({ region: ${region}, forcePathStyle: false, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })`);
  }
  if (clients.includes('connections')) {
    lines.push(`import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';`);
    built.push(`new ApiGatewayManagementApiClient({ region: ${region}, endpoint: process.env.WEBSOCKET_CONNECTIONS_ENDPOINT })`);
  }
  lines.push(`const clients = [${built.join(', ')}];`, `export const handler = async () => clients.length;`);
  return lines.join('\n');
}

/** What Lambda hands every Halo function (infra/constructs/halo-functions.ts), with 127.0.0.1 dummies. */
const FUNCTION_ENV = {
  TABLE_NAME: 'halo',
  ISSUER: 'http://127.0.0.1:9',
  SIGNING_KEY_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:halo-signing-key',
  AVATAR_BUCKET: 'halo-avatars-000000000000-us-east-1',
  WEBSOCKET_CONNECTIONS_ENDPOINT: 'http://127.0.0.1:9/live',
  LOG_LEVEL: 'INFO',
  POWERTOOLS_SERVICE_NAME: 'halo',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/**
 * Loads one bundle and reports how long `require` took, the resident memory after it, and whether
 * initialisation opened any socket (it must not: clients connect on first use).
 */
const HARNESS = `
const net = require('node:net');
let connects = 0;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) { connects++; return connect.apply(this, args); };
const start = performance.now();
const loaded = require(process.argv[2]);
const ms = performance.now() - start;
if (typeof loaded.handler !== 'function') throw new Error('the bundle exports no handler');
setTimeout(() => {
  process.stdout.write(JSON.stringify({ ms, rssMb: process.memoryUsage().rss / 1048576, connects }));
}, 10);
`;

interface Target {
  readonly name: string;
  readonly file: string;
  readonly nodeOptions: readonly string[];
}

interface Sample {
  ms: number;
  rssMb: number;
  connects: number;
}

function runOnce(harness: string, target: Target, cwd: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...target.nodeOptions, harness, target.file], {
      cwd,
      env: { PATH: inheritedEnv().PATH, ...FUNCTION_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${target.name} failed to load (exit ${code}): ${err.trim().split('\n').slice(0, 6).join('\n')}`));
      else resolve(JSON.parse(out) as Sample);
    });
  });
}

interface Built {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly metafile: Metafile;
}

async function bundle(dir: string, name: string, options: BuildOptions): Promise<Built> {
  const file = join(dir, name, 'index.js');
  const result = await build({ ...HALO_ESBUILD_OPTIONS, ...options, outfile: file, metafile: true, logLevel: 'error', absWorkingDir: PROJECT_ROOT });
  const code = await readFile(file);
  return { file, bytes: (await stat(file)).size, gzipBytes: gzipSync(code, { level: 9 }).length, metafile: result.metafile };
}

const fromEntry = (name: string): BuildOptions => {
  const spec = FUNCTIONS.find((f) => f.name === name);
  return { entryPoints: [join(PROJECT_ROOT, 'functions', `${name}.ts`)], external: spec ? externalsOf(spec) : [] };
};
const fromSource = (contents: string): BuildOptions => ({ stdin: { contents, resolveDir: PROJECT_ROOT, loader: 'ts', sourcefile: 'floor.ts' } });

/** Output bytes per npm package (or project folder), largest first. */
function composition(metafile: Metafile): [string, number][] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined) ?? Object.values(metafile.outputs)[0];
  const byPackage = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
  }
  return [...byPackage.entries()].sort((a, b) => b[1] - a[1]);
}

const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;
const SDK_PACKAGE = /^(@aws-sdk|@smithy|@aws-crypto|bowser|fast-xml-parser|strnum|tslib|uuid)\b/;

/** Functions the what-if table rebuilds: the lightest authenticated route, the KDF routes, an image function, a key-only one. */
const WHAT_IF_FUNCTIONS = ['get-user', 'login', 'upload-avatar', 'jwks'];
/** esbuild reads the `module` (ESM) build of each package first: tree-shakeable, unlike the CommonJS `main`. */
const ESM_FIRST: BuildOptions = { mainFields: ['module', 'main'] };

export interface ColdStartRow {
  readonly name: string;
  readonly memoryMb: number;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly initMs: number;
  readonly floorMs: number;
  readonly rssMb: number;
}

export async function coldStart({ runs }: { runs: number }) {
  const dir = await mkdtemp(join(tmpdir(), 'halo-bench-bundles-'));
  try {
    const harness = join(dir, 'harness.cjs');
    await writeFile(harness, HARNESS);

    // Bundles: every function, its floor, the all-clients floor, and the what-if variants.
    const functions = await Promise.all(FUNCTIONS.map(async (spec) => ({ spec, built: await bundle(dir, spec.name, fromEntry(spec.name)) })));
    const floorKey = (clients: readonly Client[]) => (clients.length ? clients.join('+') : 'no clients');
    const floorSets = new Map<string, Client[]>(FUNCTIONS.map((spec) => [floorKey(clientsNeeded(spec)), clientsNeeded(spec)]));
    floorSets.set(floorKey(ALL_CLIENTS), ALL_CLIENTS);
    const floors = new Map<string, Built>();
    const esmFloors = new Map<string, Built>();
    const whatIfFloors = new Set(FUNCTIONS.filter((spec) => WHAT_IF_FUNCTIONS.includes(spec.name)).map((spec) => floorKey(clientsNeeded(spec))));
    for (const [key, clients] of floorSets) {
      floors.set(key, await bundle(dir, `floor-${key.replace(/\W+/g, '-')}`, fromSource(floorSource(clients))));
      if (whatIfFloors.has(key)) {
        esmFloors.set(key, await bundle(dir, `floor-esm-${key.replace(/\W+/g, '-')}`, { ...fromSource(floorSource(clients)), ...ESM_FIRST }));
      }
    }
    const whatIf = await Promise.all(
      WHAT_IF_FUNCTIONS.map(async (name) => ({ name, built: await bundle(dir, `${name}-esm`, { ...fromEntry(name), ...ESM_FIRST }) })),
    );

    const targets: Target[] = [
      ...functions.map(({ spec, built }) => ({ name: spec.name, file: built.file, nodeOptions: LAMBDA_NODE_OPTIONS })),
      ...[...floors].map(([key, built]) => ({ name: `floor:${key}`, file: built.file, nodeOptions: LAMBDA_NODE_OPTIONS })),
      ...[...esmFloors].map(([key, built]) => ({ name: `floor-esm:${key}`, file: built.file, nodeOptions: LAMBDA_NODE_OPTIONS })),
      ...whatIf.map(({ name, built }) => ({ name: `${name}:esm`, file: built.file, nodeOptions: LAMBDA_NODE_OPTIONS })),
      ...functions
        .filter(({ spec }) => WHAT_IF_FUNCTIONS.includes(spec.name))
        .map(({ spec, built }) => ({ name: `${spec.name}:no-source-maps`, file: built.file, nodeOptions: [] })),
    ];

    // Interleaved runs, so that a burst of noise on this shared machine spreads over every target.
    const samples = new Map<string, Sample[]>();
    for (let run = 0; run < runs; run++) {
      for (const target of targets) {
        const sample = await runOnce(harness, target, dir);
        samples.set(target.name, [...(samples.get(target.name) ?? []), sample]);
      }
    }
    const med = (name: string) => median((samples.get(name) ?? []).map((s) => s.ms));
    const medRss = (name: string) => median((samples.get(name) ?? []).map((s) => s.rssMb));
    const connects = [...samples.values()].flat().reduce((sum, s) => sum + s.connects, 0);

    const rows: ColdStartRow[] = functions.map(({ spec, built }) => ({
      name: spec.name,
      memoryMb: spec.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
      bytes: built.bytes,
      gzipBytes: built.gzipBytes,
      initMs: med(spec.name),
      floorMs: med(`floor:${floorKey(clientsNeeded(spec))}`),
      rssMb: medRss(spec.name),
    }));
    const allClientsFloorMs = med(`floor:${floorKey(ALL_CLIENTS)}`);

    printTable(
      `Cold start proxy: bundle size and load + init time (median of ${runs} fresh node processes, NODE_OPTIONS=${LAMBDA_NODE_OPTIONS.join(' ')})`,
      rows.map((row) => {
        const spec = FUNCTIONS.find((f) => f.name === row.name);
        return {
          function: row.name,
          'minified KB': kb(row.bytes),
          'gzip KB': kb(row.gzipBytes),
          'init ms': row.initMs,
          'floor ms': row.floorMs,
          'init / floor': row.initMs / row.floorMs,
          'RSS MB': row.rssMb,
          'clients needed (floor)': spec ? clientsNeeded(spec).join(', ') || 'none' : '',
        };
      }),
    );
    printTable(
      'Floors: bundles that only construct SDK clients (same esbuild options)',
      [...floors].map(([key, built]) => ({
        clients: key,
        'minified KB': kb(built.bytes),
        'gzip KB': kb(built.gzipBytes),
        'init ms': med(`floor:${key}`),
        'ESM-first KB': esmFloors.has(key) ? kb(esmFloors.get(key)?.bytes ?? 0) : undefined,
        'ESM-first init ms': esmFloors.has(key) ? med(`floor-esm:${key}`) : undefined,
      })),
    );
    note(`All four clients together (what one shared runtime module used to build for every function): ${allClientsFloorMs.toFixed(1)} ms.`);

    printTable(
      'Where the bytes go (minified KB per package; SDK = @aws-sdk, @smithy and their helpers)',
      functions.map(({ spec, built }) => {
        const parts = composition(built.metafile);
        const sdk = parts.filter(([pkg]) => SDK_PACKAGE.test(pkg)).reduce((sum, [, bytes]) => sum + bytes, 0);
        const rest = parts.filter(([pkg]) => !SDK_PACKAGE.test(pkg));
        return {
          function: spec.name,
          'SDK KB': kb(sdk),
          'other KB': kb(rest.reduce((sum, [, bytes]) => sum + bytes, 0)),
          'largest non-SDK packages (KB)': rest
            .slice(0, 5)
            .map(([pkg, bytes]) => `${pkg} ${Math.round(bytes / 1024)}`)
            .join(', '),
        };
      }),
    );

    const whatIfRows = whatIf.map(({ name, built }) => {
      const spec = FUNCTIONS.find((f) => f.name === name);
      const asBuilt = functions.find((f) => f.spec.name === name)?.built;
      const key = spec ? floorKey(clientsNeeded(spec)) : '';
      return {
        function: name,
        'as built KB': kb(asBuilt?.bytes ?? 0),
        'as built ms': med(name),
        'no source maps ms': med(`${name}:no-source-maps`),
        'ESM-first KB': kb(built.bytes),
        'ESM-first ms': med(`${name}:esm`),
        'ESM-first floor ms': med(`floor-esm:${key}`),
        'ESM-first / its floor': med(`${name}:esm`) / med(`floor-esm:${key}`),
      };
    });
    printTable("What if: the same functions without --enable-source-maps, and bundled with mainFields ['module', 'main']", whatIfRows);

    const native = await nativeModulesProbe(dir);
    note(
      `${native}\n` + `Sockets opened by module initialisation, over all ${runs * targets.length} loads: ${connects} (must be 0).`,
    );

    return {
      runs,
      nodeVersion: process.version,
      functions: rows,
      floors: Object.fromEntries([...floors].map(([key, built]) => [key, { bytes: built.bytes, gzipBytes: built.gzipBytes, initMs: med(`floor:${key}`) }])),
      whatIf: whatIfRows,
      nativeModules: native,
      socketsOpenedByInit: connects,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * sharp is a native addon: esbuild cannot bundle its binary. The construct leaves it external for the
 * functions whose catalog entry declares it (`nativeModules`) and `npm ci` installs it beside the bundle
 * for Lambda's platform. This loads sharp the way the avatar functions do (a dynamic import), bundled with
 * the same options, twice: as the construct bundles it (external, resolved from a node_modules/ beside the
 * bundle, here this project's, whose binary is this machine's) and, for contrast, bundled in.
 */
async function nativeModulesProbe(dir: string): Promise<string> {
  const source = `export const handler = () => import('sharp').then((m) => m.default.versions.vips);`;
  const external = await bundle(dir, 'sharp-external', { ...fromSource(source), external: ['sharp'] });
  // What npm ci puts beside the bundle on AWS; here a link to this project's sharp (this machine's binary).
  await mkdir(join(dir, 'sharp-external', 'node_modules'), { recursive: true });
  await symlink(join(PROJECT_ROOT, 'node_modules', 'sharp'), join(dir, 'sharp-external', 'node_modules', 'sharp'), 'dir');
  const inlined = await bundle(dir, 'sharp-inlined', fromSource(source));
  const probe = join(dir, 'sharp-probe.cjs');
  await writeFile(probe, `require(process.argv[2]).handler().then((v) => console.log('loads (libvips ' + v + ')'), (e) => console.log('fails: ' + String(e.message).split('\\n')[0]));`);
  const run = (file: string) =>
    new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [probe, file], { cwd: dir, env: { PATH: inheritedEnv().PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', () => resolve(out.trim()));
    });
  const declared = FUNCTIONS.filter((f) => (f.nativeModules ?? []).includes('sharp')).map((f) => f.name);
  return (
    `sharp: declared as a native module by ${declared.join(', ') || 'no function'}; left external, ` +
    `it ${await run(external.file)} from a node_modules/ beside the bundle; ` +
    `bundled in, it ${await run(inlined.file)}.`
  );
}
