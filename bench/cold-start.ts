import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { FUNCTION_DEFAULTS, FUNCTIONS, type FunctionSpec } from '#infra/catalog';
import { externalsOf, HALO_ESBUILD_OPTIONS, LAMBDA_NODE_OPTIONS, SOURCE_MAPS } from './support/esbuild-options';
import { PROJECT_ROOT, inheritedEnv } from './support/environment';
import { median } from './support/stats';
import { note, printTable } from './support/table';
import { ENV } from '#lib/config';

/**
 * Cold start proxy. Every function is bundled exactly as the CDK construct bundles it, into a folder
 * outside the project (so, as on Lambda, nothing but the bundle can be loaded), then loaded in a fresh
 * `node` per run: the time `require()` takes to compile the bundle and run its module-level
 * initialisation (config, SDK clients) is the part of a Lambda cold start that the code controls.
 * The floor is a bundle, built the same way, that constructs only the SDK clients the function's catalog
 * access needs; a function can get no closer to it than that.
 */

export type Client = 'dynamodb' | 'secrets' | 's3' | 'connections';

/** Which SDK clients a function needs, from what the catalog grants it. */
export function clientsNeeded(spec: FunctionSpec): Client[] {
  const clients: Client[] = [];
  if (spec.access.table) clients.push('dynamodb');
  if (spec.access.signingKey) clients.push('secrets');
  if (spec.access.bucket) clients.push('s3');
  if (spec.access.connections) clients.push('connections');
  return clients;
}

/** A floor's name: the clients it builds (`dynamodb+secrets`), as the tables print it. */
export const floorKey = (clients: readonly Client[]) => (clients.length ? clients.join('+') : 'no clients');

const ALL_CLIENTS: Client[] = ['dynamodb', 'secrets', 's3', 'connections'];

/**
 * Code added on top of a floor: module-level statements, and expressions the handler keeps alive so that
 * esbuild cannot tree-shake them away (as a function's handler keeps its imports alive).
 */
interface Layer {
  readonly name: string;
  readonly lines: readonly string[];
  readonly uses: readonly string[];
}

/**
 * The libraries that every authenticating function evaluates at start, added one at a time on the
 * dynamodb+secrets floor (the floor of get-user and the credential routes), each imported and set up as
 * Halo's modules do: jose's functions that lib/tokens uses, a Powertools Logger, a middy handler, and
 * zod/mini with its English messages and a strict schema. What a function costs beyond the last layer it
 * uses is Halo's own code. Cumulative, so each row's difference to the one above is that library's share.
 */
export const LAYER_FLOOR: Client[] = ['dynamodb', 'secrets'];
export const LAYERS: readonly Layer[] = [
  {
    name: '+ jose',
    lines: [`import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';`],
    uses: ['SignJWT', 'createLocalJWKSet', 'exportJWK', 'generateKeyPair', 'importJWK', 'jwtVerify'],
  },
  {
    name: '+ Powertools logger',
    // As functions/common/logger.ts: imported at start, built on the first log line.
    lines: [`import { Logger } from '@aws-lambda-powertools/logger';`, `let built;`, `const logger = () => (built ??= new Logger({ serviceName: 'halo' }));`],
    uses: ['logger'],
  },
  {
    name: '+ middy',
    lines: [`import middy from '@middy/core';`, `const route = middy().use({ onError: async () => undefined }).handler(async () => ({ statusCode: 200 }));`],
    uses: ['route'],
  },
  {
    name: '+ zod/mini',
    lines: [
      `import * as z from 'zod/mini';`,
      `import { en } from 'zod/locales';`,
      `z.config(en());`,
      `const schema = z.strictObject({ identifier: z.string().check(z.maxLength(1024)), password: z.string().check(z.minLength(1)) });`,
    ],
    uses: ['schema', 'z.safeParse'],
  },
];
const layersUpTo = (index: number) => LAYERS.slice(0, index + 1);

/** The clients constructed as functions/common/runtime/*.ts construct them, and nothing else (but the given layers). */
export function floorSource(clients: readonly Client[], layers: readonly Layer[] = []): string {
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
  for (const layer of layers) lines.push(...layer.lines);
  const uses = layers.flatMap((layer) => layer.uses);
  lines.push(`const clients = [${built.join(', ')}];`, `const uses = [${uses.join(', ')}];`, `export const handler = async () => clients.length + uses.length;`);
  return lines.join('\n');
}

/** Every variable a Halo function may get (infra/constructs/halo-functions.ts gives each the ones its access needs), with 127.0.0.1 dummies. */
export const FUNCTION_ENV = {
  [ENV.tableName]: 'halo',
  [ENV.issuer]: 'http://127.0.0.1:9',
  [ENV.signingKeySecretId]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:halo-signing-key',
  [ENV.avatarBucket]: 'halo-avatars-000000000000-us-east-1',
  [ENV.connectionsEndpoint]: 'http://127.0.0.1:9/live',
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
const cpuStart = process.cpuUsage();
const loaded = require(process.argv[2]);
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000;
if (typeof loaded.handler !== 'function') throw new Error('the bundle exports no handler');
setTimeout(() => {
  process.stdout.write(JSON.stringify({ ms, cpuMs, rssMb: process.memoryUsage().rss / 1048576, connects }));
}, 10);
`;

interface Target {
  readonly name: string;
  readonly file: string;
  readonly nodeOptions: readonly string[];
}

interface Sample {
  ms: number;
  /** CPU time of the load (user + system, all threads): steadier than wall time when other work shares the cores. */
  cpuMs: number;
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

export interface Built {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly mapBytes: number;
  readonly metafile: Metafile;
}

export async function bundle(dir: string, name: string, options: BuildOptions): Promise<Built> {
  const file = join(dir, name, 'index.js');
  const result = await build({ ...HALO_ESBUILD_OPTIONS, ...options, outfile: file, metafile: true, logLevel: 'error', absWorkingDir: PROJECT_ROOT });
  const code = await readFile(file);
  const mapBytes = await stat(`${file}.map`).then((s) => s.size, () => 0);
  return { file, bytes: (await stat(file)).size, gzipBytes: gzipSync(code, { level: 9 }).length, mapBytes, metafile: result.metafile };
}

export const fromEntry = (name: string): BuildOptions => {
  const spec = FUNCTIONS.find((f) => f.name === name);
  return { entryPoints: [join(PROJECT_ROOT, 'functions', `${name}.ts`)], external: spec ? externalsOf(spec) : [] };
};
export const fromSource = (contents: string): BuildOptions => ({ stdin: { contents, resolveDir: PROJECT_ROOT, loader: 'ts', sourcefile: 'floor.ts' } });

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

/** Functions the source-map what-if rebuilds with a map read at start: the KDF routes, the lightest authenticated route, an image function, a key-only one. */
const WHAT_IF_FUNCTIONS = ['register', 'login', 'get-user', 'upload-avatar', 'jwks'];

export interface ColdStartRow {
  readonly name: string;
  readonly memoryMb: number;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly initMs: number;
  readonly floorMs: number;
  readonly initCpuMs: number;
  readonly floorCpuMs: number;
  readonly rssMb: number;
}

export async function coldStart({ runs }: { runs: number }) {
  const dir = await mkdtemp(join(tmpdir(), 'halo-bench-bundles-'));
  try {
    const harness = join(dir, 'harness.cjs');
    await writeFile(harness, HARNESS);

    // Bundles: every function, its floor and the all-clients floor.
    const functions = await Promise.all(FUNCTIONS.map(async (spec) => ({ spec, built: await bundle(dir, spec.name, fromEntry(spec.name)) })));
    const floorSets = new Map<string, Client[]>(FUNCTIONS.map((spec) => [floorKey(clientsNeeded(spec)), clientsNeeded(spec)]));
    floorSets.set(floorKey(ALL_CLIENTS), ALL_CLIENTS);
    const floors = new Map<string, Built>();
    for (const [key, clients] of floorSets) {
      floors.set(key, await bundle(dir, `floor-${key.replace(/\W+/g, '-')}`, fromSource(floorSource(clients))));
    }
    // The floor of the authenticating functions with the libraries they evaluate at start, one more each time.
    const layered = await Promise.all(
      LAYERS.map(async (layer, index) => ({
        layer,
        built: await bundle(dir, `layer-${index}`, fromSource(floorSource(LAYER_FLOOR, layersUpTo(index)))),
      })),
    );
    // The alternative the construct decided against: each what-if function and its floor with a source map read at start.
    const mapped = await Promise.all(
      WHAT_IF_FUNCTIONS.map(async (name) => ({ name, built: await bundle(dir, `${name}-maps`, { ...fromEntry(name), ...SOURCE_MAPS.build }) })),
    );
    const whatIfFloorKeys = new Set(FUNCTIONS.filter((spec) => WHAT_IF_FUNCTIONS.includes(spec.name)).map((spec) => floorKey(clientsNeeded(spec))));
    const mappedFloors = new Map<string, Built>();
    for (const key of whatIfFloorKeys) {
      mappedFloors.set(key, await bundle(dir, `floor-maps-${key.replace(/\W+/g, '-')}`, { ...fromSource(floorSource(floorSets.get(key) ?? [])), ...SOURCE_MAPS.build }));
    }

    const targets: Target[] = [
      ...functions.map(({ spec, built }) => ({ name: spec.name, file: built.file, nodeOptions: LAMBDA_NODE_OPTIONS })),
      ...[...floors].map(([key, built]) => ({ name: `floor:${key}`, file: built.file, nodeOptions: LAMBDA_NODE_OPTIONS })),
      ...layered.map(({ layer, built }) => ({ name: `layer:${layer.name}`, file: built.file, nodeOptions: LAMBDA_NODE_OPTIONS })),
      ...mapped.map(({ name, built }) => ({ name: `${name}:source-maps`, file: built.file, nodeOptions: SOURCE_MAPS.nodeOptions })),
      ...[...mappedFloors].map(([key, built]) => ({ name: `floor:${key}:source-maps`, file: built.file, nodeOptions: SOURCE_MAPS.nodeOptions })),
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
    const medCpu = (name: string) => median((samples.get(name) ?? []).map((s) => s.cpuMs));
    const medRss = (name: string) => median((samples.get(name) ?? []).map((s) => s.rssMb));
    const connects = [...samples.values()].flat().reduce((sum, s) => sum + s.connects, 0);

    const rows: ColdStartRow[] = functions.map(({ spec, built }) => ({
      name: spec.name,
      memoryMb: spec.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
      bytes: built.bytes,
      gzipBytes: built.gzipBytes,
      initMs: med(spec.name),
      floorMs: med(`floor:${floorKey(clientsNeeded(spec))}`),
      initCpuMs: medCpu(spec.name),
      floorCpuMs: medCpu(`floor:${floorKey(clientsNeeded(spec))}`),
      rssMb: medRss(spec.name),
    }));
    const allClientsFloorMs = med(`floor:${floorKey(ALL_CLIENTS)}`);

    printTable(
      `Cold start proxy: bundle size and load + init time (median of ${runs} fresh node processes, NODE_OPTIONS=${LAMBDA_NODE_OPTIONS.join(' ') || '(none)'})`,
      rows.map((row) => {
        const spec = FUNCTIONS.find((f) => f.name === row.name);
        return {
          function: row.name,
          'minified KB': kb(row.bytes),
          'gzip KB': kb(row.gzipBytes),
          'init ms': row.initMs,
          'floor ms': row.floorMs,
          'init / floor': row.initMs / row.floorMs,
          'CPU ms': row.initCpuMs,
          'floor CPU ms': row.floorCpuMs,
          'CPU / floor': row.initCpuMs / row.floorCpuMs,
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
        'CPU ms': medCpu(`floor:${key}`),
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

    const layerFloor = floorKey(LAYER_FLOOR);
    const layerRows = [
      { name: `floor (${layerFloor})`, bytes: floors.get(layerFloor)?.bytes ?? 0, cpuMs: medCpu(`floor:${layerFloor}`) },
      ...layered.map(({ layer, built }) => ({ name: layer.name, bytes: built.bytes, cpuMs: medCpu(`layer:${layer.name}`) })),
    ];
    printTable(
      `What the gap is made of: the ${layerFloor} floor plus, one at a time, the libraries the authenticating functions evaluate at start`,
      layerRows.map((row, index) => ({
        bundle: row.name,
        'minified KB': kb(row.bytes),
        'CPU ms': row.cpuMs,
        'added CPU ms': index === 0 ? 0 : row.cpuMs - (layerRows[index - 1]?.cpuMs ?? row.cpuMs),
        'CPU / floor': row.cpuMs / (layerRows[0]?.cpuMs ?? row.cpuMs),
      })),
    );

    const whatIfRows = functions
      .filter(({ spec }) => WHAT_IF_FUNCTIONS.includes(spec.name))
      .map(({ spec, built }) => {
        const key = floorKey(clientsNeeded(spec));
        const withMaps = mapped.find((m) => m.name === spec.name)?.built;
        return {
          function: spec.name,
          'as built KB': kb(built.bytes),
          'as built CPU ms': medCpu(spec.name),
          'with map KB': kb(withMaps?.bytes ?? 0),
          'map KB': kb(withMaps?.mapBytes ?? 0),
          'with map CPU ms': medCpu(`${spec.name}:source-maps`),
          'map costs CPU ms': medCpu(`${spec.name}:source-maps`) - medCpu(spec.name),
          'map costs wall ms': med(`${spec.name}:source-maps`) - med(spec.name),
          'with map / its floor (CPU)': medCpu(`${spec.name}:source-maps`) / medCpu(`floor:${key}:source-maps`),
        };
      });
    printTable(
      `What if: the same functions bundled with a source map and run with ${SOURCE_MAPS.nodeOptions.join(' ')} (what the construct did before); its floor built the same way`,
      whatIfRows,
    );

    const native = await nativeModulesProbe(dir);
    note(
      `${native}\n` + `Sockets opened by module initialisation, over all ${runs * targets.length} loads: ${connects} (must be 0).`,
    );

    return {
      runs,
      nodeVersion: process.version,
      functions: rows,
      floors: Object.fromEntries(
        [...floors].map(([key, built]) => [key, { bytes: built.bytes, gzipBytes: built.gzipBytes, initMs: med(`floor:${key}`), initCpuMs: medCpu(`floor:${key}`) }]),
      ),
      layers: layerRows,
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
