import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { FUNCTIONS, type FunctionSpec, type NativeModule } from '../../infra/catalog';
import { BUNDLED_DOCS_FOLDER } from '../../infra/constructs/halo-function';
import { docsSiteDirectory } from '../../lib/config';
import { SITE_FILE } from '../../lib/docs/site';
import { deployedEnvironment, lambdaOf, removeSynthOutputs, synthHalo, type Synthesized } from './halo-template';

/**
 * The one suite that runs esbuild (about half a minute for all functions on two cores, of which ~3 s for the
 * `npm ci` of the functions with native modules and ~4 s for the documentation site): proves that the local, Docker-free bundling works,
 * that what it produces is a CommonJS file Lambda can load, and that the functions declaring native
 * modules ship them with the binaries for their Lambda's platform, not for the machine that bundled them.
 * With a cold npm cache that `npm ci` needs the registry (the arm64 binaries); see README, "Deploy to AWS".
 */
let synth: Synthesized;
beforeAll(() => {
  synth = synthHalo({ bundle: true });
}, 120_000);
afterAll(removeSynthOutputs);

const EACH_FUNCTION = FUNCTIONS.map((spec) => [spec.name, spec] as const);
const nativeModulesOf = (spec: FunctionSpec) => spec.nativeModules ?? [];
const WITH_NATIVE_MODULES = EACH_FUNCTION.filter(([, spec]) => nativeModulesOf(spec).length > 0);
const WITHOUT_NATIVE_MODULES = EACH_FUNCTION.filter(([, spec]) => nativeModulesOf(spec).length === 0 && !spec.docsSite);
const WITH_DOCS_SITE = EACH_FUNCTION.filter(([, spec]) => spec.docsSite);

const assetDirOf = (spec: FunctionSpec) => {
  const code = lambdaOf(synth, spec)[1].Properties.Code as { S3Key: string };
  return join(synth.app.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
};

/** The Lambda's architecture as the template says (x86_64 when unset), with npm's name for it and its ELF e_machine. */
const PLATFORMS = { arm64: { cpu: 'arm64', elfMachine: 0xb7 }, x86_64: { cpu: 'x64', elfMachine: 0x3e } } as const;
function platformOf(spec: FunctionSpec) {
  const [architecture = 'x86_64'] = (lambdaOf(synth, spec)[1].Properties.Architectures as string[] | undefined) ?? [];
  if (!Object.hasOwn(PLATFORMS, architecture)) throw new Error(`${spec.name}: unknown architecture ${architecture}`);
  return PLATFORMS[architecture as keyof typeof PLATFORMS];
}

/** The platform packages each native module loads its binaries from on Lambda (Linux, glibc), for an npm cpu. */
const PLATFORM_PACKAGES: Record<NativeModule, (cpu: string) => string[]> = {
  sharp: (cpu) => [`@img/sharp-linux-${cpu}`, `@img/sharp-libvips-linux-${cpu}`],
};
/** Platform packages of any platform: in a bundle only those for its Lambda may appear. */
const ANY_PLATFORM_PACKAGE: Record<NativeModule, RegExp> = { sharp: /^@img\/sharp-/ };
/** A string of each native module's own code: found in a bundle, the module was bundled (and cannot find its binaries). */
const BUNDLED_CODE_MARK: Record<NativeModule, string> = { sharp: 'Could not load the "sharp" module' };

const filesUnder = (dir: string) =>
  (readdirSync(dir, { recursive: true }) as string[]).map((file) => join(dir, file)).filter((file) => statSync(file).isFile());

/** A file's ELF e_machine, or undefined if it is not an ELF file. */
function elfMachineOf(file: string): number | undefined {
  const header = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    if (readSync(fd, header, 0, header.length, 0) < header.length) return undefined;
  } finally {
    closeSync(fd);
  }
  return header.readUInt32BE(0) === 0x7f454c46 ? header.readUInt16LE(18) : undefined;
}

/** `@img/sharp-linux-arm64`, `sharp`: the packages installed at the top of a node_modules folder. */
const packagesIn = (nodeModules: string) =>
  readdirSync(nodeModules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => (name.startsWith('@') ? readdirSync(join(nodeModules, name)).map((inner) => `${name}/${inner}`) : [name]));

describe('function bundles', () => {
  it('bundles at least one function with native modules (or this suite checks nothing of them)', () => {
    expect(WITH_NATIVE_MODULES.length).toBeGreaterThan(0);
  });

  it.each(WITHOUT_NATIVE_MODULES)('%s: one bundled file and its source map, nothing else', (_name, spec) => {
    expect(readdirSync(assetDirOf(spec)).sort()).toEqual(['index.js', 'index.js.map']);
  });

  it.each(WITH_DOCS_SITE)('%s: the bundle, its source map and the documentation site, built into docs/', (_name, spec) => {
    expect(readdirSync(assetDirOf(spec)).sort()).toEqual(['docs', 'index.js', 'index.js.map'].sort());
    const site = join(assetDirOf(spec), BUNDLED_DOCS_FOLDER);
    // What lib/config.ts docsSiteDirectory() resolves to on Lambda (LAMBDA_TASK_ROOT is the bundle's root).
    expect(docsSiteDirectory({ LAMBDA_TASK_ROOT: assetDirOf(spec) })).toBe(site);
    const files = readdirSync(site);
    for (const file of ['index.html', 'http.html', 'websocket.html', 'openapi.yaml', 'asyncapi.yaml']) expect(files).toContain(file);
    // Only what the docs function may serve (flat names it accepts), so nothing is shipped that it cannot answer for.
    expect(files.filter((file) => !SITE_FILE.test(file) && !file.startsWith('.'))).toEqual([]);
  });

  it('ships the documentation site with at least one function (the one serving /docs)', () => {
    expect(WITH_DOCS_SITE.map(([name]) => name)).toEqual(FUNCTIONS.filter((spec) => spec.routes.includes('GET /docs')).map((spec) => spec.name));
  });

  it.each(WITH_NATIVE_MODULES)('%s: the bundle, its source map and the native modules installed by `npm ci`', (_name, spec) => {
    // package.json and package-lock.json are what NodejsFunction's `npm ci` installed from.
    expect(readdirSync(assetDirOf(spec)).sort()).toEqual(['index.js', 'index.js.map', 'node_modules', 'package-lock.json', 'package.json']);
    const installed = packagesIn(join(assetDirOf(spec), 'node_modules'));
    expect(installed).toEqual(expect.arrayContaining([...nativeModulesOf(spec)]));
  });

  it.each(WITH_NATIVE_MODULES)("%s: the native modules' binaries are those of its Lambda's platform, and only those", (_name, spec) => {
    const { cpu, elfMachine } = platformOf(spec);
    const assetDir = assetDirOf(spec);
    const installed = packagesIn(join(assetDir, 'node_modules'));
    for (const module of nativeModulesOf(spec)) {
      const expected = PLATFORM_PACKAGES[module](cpu);
      expect(installed.filter((name) => ANY_PLATFORM_PACKAGE[module].test(name)).sort()).toEqual([...expected].sort());
      // Resolved as the Lambda runtime will: from index.js to the module, from the module to its binary.
      const moduleMain = createRequire(join(assetDir, 'index.js')).resolve(module);
      expect(relative(assetDir, moduleMain).split(sep)[0]).toBe('node_modules');
      for (const platformPackage of expected) {
        const manifest = createRequire(moduleMain).resolve(`${platformPackage}/package`);
        expect(relative(assetDir, manifest).split(sep).slice(0, 3)).toEqual(['node_modules', ...platformPackage.split('/')]);
      }
    }
    // Every native binary in the bundle (sharp's .node, libvips' .so) is built for the Lambda's CPU.
    const binaries = filesUnder(join(assetDir, 'node_modules')).flatMap((file) => {
      const machine = elfMachineOf(file);
      return machine === undefined ? [] : [{ file: relative(assetDir, file), machine }];
    });
    expect(binaries.length).toBeGreaterThanOrEqual(nativeModulesOf(spec).length);
    expect(binaries.filter(({ machine }) => machine !== elfMachine)).toEqual([]);
  });

  it.each(EACH_FUNCTION)('%s: native modules are loaded from node_modules, never bundled', (_name, spec) => {
    const bundle = readFileSync(join(assetDirOf(spec), 'index.js'), 'utf8');
    for (const module of Object.keys(BUNDLED_CODE_MARK) as NativeModule[]) {
      expect(bundle).not.toContain(BUNDLED_CODE_MARK[module]);
    }
    for (const module of nativeModulesOf(spec)) {
      expect(bundle).toMatch(new RegExp(`(?:import|require)\\(["']${module}["']\\)`));
    }
  });

  it('gives every function its own bundle', () => {
    expect(new Set(FUNCTIONS.map(assetDirOf)).size).toBe(FUNCTIONS.length);
  });

  it('loads every bundle as CommonJS with the environment its Lambda gets, and finds `handler`', () => {
    // A separate process: the bundles are meant for Lambda's CommonJS loader, not Jest's module system.
    // Loading runs each function's cold start (loadConfig, SDK clients), so a bundle that cannot start
    // with the environment the template gives it fails here.
    const bundles = FUNCTIONS.map((spec) => ({ name: spec.name, file: join(assetDirOf(spec), 'index.js'), env: deployedEnvironment(synth, spec) }));
    const script = `
      const failures = [];
      const baseline = { ...process.env };
      for (const { name, file, env } of JSON.parse(process.argv[1])) {
        process.env = { ...baseline, ...env };
        try {
          const { handler } = require(file);
          if (typeof handler !== 'function') failures.push(name + ': handler is ' + typeof handler);
        } catch (error) {
          failures.push(name + ': ' + error.message);
        }
      }
      process.stdout.write(JSON.stringify(failures));`;
    const result = spawnSync(process.execPath, ['-e', script, JSON.stringify(bundles)], {
      encoding: 'utf8',
      timeout: 60_000,
      // A clean environment; the SDK's end-of-support notice is for this Node 20, not Lambda's Node 22.
      env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout || '"no output"')).toEqual([]);
  });
});
