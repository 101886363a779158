import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import type { BuildOptions } from 'esbuild';
import { FUNCTIONS } from '#infra/catalog';
import { bundle, clientsNeeded, floorKey, floorSource, fromEntry, fromSource, FUNCTION_ENV, type Built } from './cold-start';
import { inheritedEnv, PROJECT_ROOT } from './support/environment';
import { mean, median } from './support/stats';
import { note, printTable } from './support/table';

/**
 * Where a function's initialisation goes beyond its floor, read from CPU profiles instead of by subtracting
 * layer timings (part 1's layer table, whose single-library rows move by as much as they measure). Each bundle
 * is loaded in a fresh node that profiles exactly its `require` through the inspector, sampling every 50 µs.
 * Every sample of the bundle as built is put in one of:
 * - **compiling**: V8 parsing and compiling the bundle, inside `require` before any of its code runs;
 * - **running code**: the bundle's own statements (module-level initialisation);
 * - **built-ins**: Node's own modules that the bundle's code loads or calls;
 * - **GC** and **other** (V8 and native work outside these).
 * Which package the running code and built-ins belong to needs line numbers, which a minified bundle hardly
 * has: a twin built the same way but keeping its line breaks (identifiers and syntax still minified), with an
 * external source map read only here, is profiled alongside, and its samples are attributed line by line.
 * Profiling slows the load itself, so the totals are higher than part 1's; the shares are what this is for.
 */

/** Loads one bundle under the CPU profiler and prints the profile and the built-in modules the load added. */
const HARNESS = `
const { Session } = require('node:inspector');
const session = new Session();
session.connect();
const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
(async () => {
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 50 });
  const before = new Set(process.moduleLoadList);
  await post('Profiler.start');
  require(process.argv[2]);
  const { profile } = await post('Profiler.stop');
  const builtins = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  process.stdout.write(JSON.stringify({ profile, builtins }));
})();
`;

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
  /** Samples of this function by line (1-based), as V8 records them. */
  readonly positionTicks?: readonly { readonly line: number; readonly ticks: number }[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const CATEGORIES = ['compiling', 'running code', 'built-ins', 'GC', 'other'] as const;
type Category = (typeof CATEGORIES)[number];

/** One load's CPU time (ms) by category and by package (running code and built-ins only). */
interface Breakdown {
  readonly total: number;
  readonly byCategory: Record<Category, number>;
  readonly byPackage: Map<string, number>;
  readonly builtins: readonly string[];
}

/** A bundle and its external source map, which maps a line of the bundle to the package it came from. */
interface Mapped {
  readonly built: Built;
  readonly map: TraceMap;
}

/** The npm package (or project folder) a bundled source belongs to, named as part 1's byte table names them. */
function packageOf(bundleFile: string, source: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
  return pkg ?? relative(PROJECT_ROOT, resolve(dirname(bundleFile), source)).split('/').slice(0, 2).join('/');
}

/** A built-in's frame named by its module folder (`node:internal/webstreams`), native code as `node (native)`. */
const builtinOf = (frame: CallFrame) => (frame.url ? frame.url.split('/').slice(0, 2).join('/').replace(/\.js$/, '') : 'node (native)');

function breakDown(profile: Profile, builtins: readonly string[], { built, map }: Mapped): Breakdown {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const inBundle = (frame: CallFrame) => frame.url.endsWith(built.file);
  const lineOwners = new Map<number, string>();
  /** The package of a line of the bundle: the source of the line's first mapped segment. */
  const packageOfLine = (line: number) => {
    let owner = lineOwners.get(line);
    if (owner === undefined) {
      const source = originalPositionFor(map, { line, column: 0, bias: LEAST_UPPER_BOUND }).source;
      owner = source ? packageOf(built.file, source) : '(esbuild runtime)';
      lineOwners.set(line, owner);
    }
    return owner;
  };
  /** How a function's own time splits over packages: by its line ticks, else by where it is defined. */
  const shares = new Map<number, [string, number][]>();
  const sharesOf = (node: ProfileNode) => {
    let found = shares.get(node.id);
    if (!found) {
      const ticks = node.positionTicks ?? [];
      const all = ticks.reduce((sum, t) => sum + t.ticks, 0);
      found = all > 0 ? ticks.map((t) => [packageOfLine(t.line), t.ticks / all]) : [[packageOfLine(node.callFrame.lineNumber + 1), 1]];
      shares.set(node.id, found);
    }
    return found;
  };
  /** The nearest frame of the bundle's own code on the stack, if any. */
  const nearestBundleFrame = (id: number) => {
    for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) {
      const node = nodes.get(current);
      if (node && inBundle(node.callFrame)) return node;
    }
    return undefined;
  };

  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const byPackage = new Map<string, number>();
  const charge = (pkg: string, ms: number) => byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
  let total = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const leaf = nodes.get(id);
    if (!leaf) return;
    total += ms;
    const name = leaf.callFrame.functionName;
    if (name === '(garbage collector)') {
      byCategory.GC += ms;
      return;
    }
    if (name === '(program)' || name === '(idle)' || name === '(root)') {
      byCategory.other += ms;
      return;
    }
    const caller = nearestBundleFrame(id);
    if (!caller) {
      // Inside require but below no frame of the bundle: the module loader reading, wrapping and compiling it.
      byCategory[leaf.callFrame.url.startsWith('node:internal/modules/') || leaf.callFrame.url === '' ? 'compiling' : 'other'] += ms;
      return;
    }
    if (caller === leaf) {
      byCategory['running code'] += ms;
      for (const [pkg, share] of sharesOf(leaf)) charge(pkg, ms * share);
    } else {
      // A built-in is charged to the package of the function calling it. The profile does not say which line of
      // the bundle's top level (where scope-hoisted modules `require` their built-ins) made a call, so time under
      // the top level is charged to the built-in itself: `node:internal/webstreams` names the module being loaded.
      byCategory['built-ins'] += ms;
      const topLevel = caller.callFrame.lineNumber === 0 && caller.callFrame.columnNumber === 0;
      charge(topLevel ? builtinOf(leaf.callFrame) : packageOfLine(caller.callFrame.lineNumber + 1), ms);
    }
  });
  return { total, byCategory, byPackage, builtins };
}

function profileOnce(harness: string, target: Mapped, cwd: string): Promise<Breakdown> {
  const { built } = target;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [harness, built.file], { cwd, env: { PATH: inheritedEnv().PATH, ...FUNCTION_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${built.file} failed under the profiler (exit ${code}): ${err.trim().split('\n').slice(0, 6).join('\n')}`));
      const { profile, builtins } = JSON.parse(Buffer.concat(out).toString('utf8')) as { profile: Profile; builtins: string[] };
      resolve(breakDown(profile, builtins, target));
    });
  });
}

export async function initProfile({ runs }: { runs: number }) {
  const dir = await mkdtemp(join(tmpdir(), 'halo-bench-profile-'));
  try {
    const harness = join(dir, 'harness.cjs');
    await writeFile(harness, HARNESS);
    // The map is written beside the bundle and never read by it: the code is the same as without one.
    const asBuilt = { sourcemap: 'external', sourcesContent: false } as const;
    const withLines = { ...asBuilt, minify: false, minifyIdentifiers: true, minifySyntax: true, minifyWhitespace: false } as const;

    const targets = new Map<string, Mapped>();
    const add = async (name: string, folder: string, options: BuildOptions) => {
      const built = await bundle(dir, folder, options);
      targets.set(name, { built, map: new TraceMap(await readFile(`${built.file}.map`, 'utf8')) });
    };
    // Functions with no SDK client have a near-empty floor: a ratio to it says nothing, so they are left out.
    const profiled = FUNCTIONS.filter((spec) => clientsNeeded(spec).length > 0);
    for (const spec of profiled) {
      await add(spec.name, spec.name, { ...fromEntry(spec.name), ...asBuilt });
      await add(`${spec.name}:lines`, `${spec.name}-lines`, { ...fromEntry(spec.name), ...withLines });
      const key = floorKey(clientsNeeded(spec));
      if (targets.has(`floor:${key}`)) continue;
      const source = fromSource(floorSource(clientsNeeded(spec)));
      await add(`floor:${key}`, `floor-${key.replace(/\W+/g, '-')}`, { ...source, ...asBuilt });
      await add(`floor:${key}:lines`, `floor-${key.replace(/\W+/g, '-')}-lines`, { ...source, ...withLines });
    }

    // Interleaved, as in part 1, so a burst of noise spreads over every target.
    const samples = new Map<string, Breakdown[]>();
    for (let run = 0; run < runs; run++) {
      for (const [name, target] of targets) samples.set(name, [...(samples.get(name) ?? []), await profileOnce(harness, target, dir)]);
    }

    const rows = profiled.map((spec) => {
      const own = samples.get(spec.name) ?? [];
      const floor = samples.get(`floor:${floorKey(clientsNeeded(spec))}`) ?? [];
      const delta = (category: Category) => mean(own.map((s) => s.byCategory[category])) - mean(floor.map((s) => s.byCategory[category]));
      const ownLines = samples.get(`${spec.name}:lines`) ?? [];
      const floorLines = samples.get(`floor:${floorKey(clientsNeeded(spec))}:lines`) ?? [];
      const packages = new Set([...ownLines, ...floorLines].flatMap((s) => [...s.byPackage.keys()]));
      const byPackage = [...packages]
        .map((pkg) => [pkg, mean(ownLines.map((s) => s.byPackage.get(pkg) ?? 0)) - mean(floorLines.map((s) => s.byPackage.get(pkg) ?? 0))] as const)
        .sort((a, b) => b[1] - a[1]);
      const floorBuiltins = new Set(floor.flatMap((s) => s.builtins));
      const extraBuiltins = [...new Set(own.flatMap((s) => s.builtins))].filter((m) => !floorBuiltins.has(m));
      return {
        function: spec.name,
        'profiled ms': median(own.map((s) => s.total)),
        'floor ms': median(floor.map((s) => s.total)),
        'gap ms': mean(own.map((s) => s.total)) - mean(floor.map((s) => s.total)),
        ...Object.fromEntries(CATEGORIES.map((c) => [c, delta(c)])),
        packages: byPackage,
        extraBuiltins,
      };
    });

    printTable(
      `Where init goes beyond the floor, from CPU profiles of the require alone (${runs} runs each, 50 µs sampling; "profiled ms" are medians, the gap and its parts are means, so the parts add up to the gap)`,
      rows.map(({ packages, extraBuiltins, ...row }) => {
        void packages;
        void extraBuiltins;
        return row;
      }),
    );
    printTable(
      'The gap by package: its code run at start and the built-ins it calls, ms beyond the floor (from the twin that keeps line breaks; largest first)',
      rows.map((row) => ({
        function: row.function,
        'largest shares (ms)': row.packages
          .filter(([, ms]) => ms >= 0.2)
          .slice(0, 6)
          .map(([pkg, ms]) => `${pkg} ${ms.toFixed(1)}`)
          .join(', '),
        'built-in modules only this function loads': row.extraBuiltins.filter((m) => !m.startsWith('internal/')).join(', ') || '—',
      })),
    );
    note('Compiling grows with the bundle’s bytes (V8 pre-parses every function it does not compile at once); running code and built-ins are what module-level statements do.');
    return { runs, rows: rows.map(({ packages, ...row }) => ({ ...row, packages: Object.fromEntries(packages) })) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
