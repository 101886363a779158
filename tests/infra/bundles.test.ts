import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { externalsOf, HALO_ESBUILD_OPTIONS } from '#bench/support/esbuild-options';
import { FUNCTIONS, type FunctionSpec, type NativeModule } from '#infra/catalog';
import { BUNDLED_DOCS_FOLDER, BUNDLED_PHONE_METADATA_FILE, PHONE_METADATA_SOURCE } from '#infra/constructs/halo-function';
import { bundledPhoneMetadataFile, docsSiteDirectory } from '#lib/config';
import { SITE_FILE } from '#lib/docs/site';
import { LAMBDA_SYNC_INVOKE } from '#infra/aws-limits';
import { PROJECT_ROOT } from '#infra/constructs/halo-function';
import { startLocalDynamoDb } from '#local/local-dynamodb';
import { ensureSigningKeyFile } from '#local/signing-key-file';
import { httpEvent } from '../support/http-event';
import { deployedEnvironment, lambdaOf, removeSynthOutputs, synthHalo, type Synthesized } from './halo-template';

/**
 * The one suite that runs esbuild (about half a minute for all functions on two cores, of which ~3 s for the
 * `npm ci` of the functions with native modules and ~4 s for the documentation site): proves that the local, Docker-free bundling works,
 * that what it produces is a CommonJS file Lambda can load, and that the functions declaring native
 * modules ship them with the binaries for their Lambda's platform, not for the machine that bundled them.
 * With a cold npm cache that `npm ci` needs the registry (the arm64 binaries); see docs/deploy-aws.md.
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
const WITH_PHONE_METADATA = EACH_FUNCTION.filter(([, spec]) => spec.phoneMetadata);

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

  it.each(WITHOUT_NATIVE_MODULES)('%s: one bundled file and its data files, nothing else (no source map: see HALO_BUNDLING)', (_name, spec) => {
    expect(readdirSync(assetDirOf(spec)).sort()).toEqual(['index.js', ...(spec.phoneMetadata ? [BUNDLED_PHONE_METADATA_FILE] : [])]);
  });

  it.each(WITH_PHONE_METADATA)('%s: the phone metadata beside the bundle, the installed package\'s own file', (_name, spec) => {
    const shipped = join(assetDirOf(spec), BUNDLED_PHONE_METADATA_FILE);
    // What lib/config.ts bundledPhoneMetadataFile() resolves to on Lambda (LAMBDA_TASK_ROOT is the bundle's root).
    expect(bundledPhoneMetadataFile({ LAMBDA_TASK_ROOT: `${assetDirOf(spec)}/` })).toBe(shipped);
    expect(readFileSync(shipped).equals(readFileSync(PHONE_METADATA_SOURCE))).toBe(true);
  });

  it('ships the phone metadata with exactly the functions that bundle libphonenumber-js (the code that reads it)', () => {
    expect(WITH_PHONE_METADATA.map(([name]) => name).sort()).toEqual([...(ONLY_IN['libphonenumber-js']?.functions ?? [])].sort());
  });

  it.each(WITH_DOCS_SITE)('%s: the bundle and the documentation site, built into docs/', (_name, spec) => {
    expect(readdirSync(assetDirOf(spec)).sort()).toEqual(['docs', 'index.js']);
    const site = join(assetDirOf(spec), BUNDLED_DOCS_FOLDER);
    // What lib/config.ts docsSiteDirectory() resolves to on Lambda (LAMBDA_TASK_ROOT is the bundle's root).
    expect(docsSiteDirectory({ LAMBDA_TASK_ROOT: assetDirOf(spec) })).toBe(site);
    const files = readdirSync(site);
    for (const file of ['index.html', 'http.html', 'websocket.html', 'console.html', 'swagger-ui-bundle.js', 'socket-console.js', 'openapi.yaml', 'asyncapi.yaml']) {
      expect(files).toContain(file);
    }
    // Only what the docs function may serve (flat names it accepts), so nothing is shipped that it cannot answer for.
    expect(files.filter((file) => !SITE_FILE.test(file) && !file.startsWith('.'))).toEqual([]);
    // Each file is one answer of the function, as text in its JSON result: all must fit Lambda's response limit,
    // the renderers' scripts (Redoc's ~2.3 MB, Swagger UI's ~1.7 MB) too, with room for the headers.
    const HEADERS_ROOM = 8 * 1024;
    for (const file of files.filter((name) => SITE_FILE.test(name))) {
      const answer = Buffer.byteLength(JSON.stringify({ statusCode: 200, body: readFileSync(join(site, file), 'utf8') }));
      expect([file, answer + HEADERS_ROOM <= LAMBDA_SYNC_INVOKE.responseBytesAtMost]).toEqual([file, true]);
    }
  });

  it('ships the documentation site with at least one function (the one serving /docs)', () => {
    expect(WITH_DOCS_SITE.map(([name]) => name)).toEqual(FUNCTIONS.filter((spec) => spec.routes.includes('GET /docs')).map((spec) => spec.name));
  });

  it.each(WITH_NATIVE_MODULES)('%s: the bundle and the native modules installed by `npm ci`', (_name, spec) => {
    // package.json and package-lock.json are what NodejsFunction's `npm ci` installed from.
    expect(readdirSync(assetDirOf(spec)).sort()).toEqual(['index.js', 'node_modules', 'package-lock.json', 'package.json']);
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

  it('builds no logger at cold start, only when a request first logs', () => {
    // Powertools builds a Console when a Logger is constructed; counting those counts loggers built. Every
    // bundle is loaded (its cold start) with none built, then the not-found function answers a request it
    // refuses, which logs: exactly one is built then, so the count can see a logger being built.
    const bundles = FUNCTIONS.map((spec) => ({ name: spec.name, file: join(assetDirOf(spec), 'index.js'), env: deployedEnvironment(synth, spec) }));
    const script = `
      const consoles = require('node:console');
      const Console = consoles.Console;
      let built = 0;
      consoles.Console = function CountedConsole(...args) { built++; return new Console(...args); };
      const atStart = {};
      const baseline = { ...process.env };
      const handlers = {};
      for (const { name, file, env } of JSON.parse(process.argv[1])) {
        process.env = { ...baseline, ...env };
        const before = built;
        handlers[name] = require(file).handler;
        atStart[name] = built - before;
      }
      const event = { version: '2.0', routeKey: '$default', rawPath: '/nowhere', rawQueryString: '', headers: {}, isBase64Encoded: false,
        requestContext: { http: { method: 'GET', path: '/nowhere', sourceIp: '127.0.0.1' }, requestId: 'r', routeKey: '$default' } };
      const before = built;
      Promise.resolve(handlers['not-found'](event, { awsRequestId: 'r' })).then((reply) => {
        process.stdout.write(JSON.stringify({ atStart, status: reply.statusCode, builtByRefusal: built - before }) + '\\n');
      });`;
    const result = spawnSync(process.execPath, ['-e', script, JSON.stringify(bundles)], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LOG_LEVEL: 'INFO' },
    });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { atStart: Record<string, number>; status: number; builtByRefusal: number };
    expect(report.atStart).toEqual(Object.fromEntries(FUNCTIONS.map((spec) => [spec.name, 0])));
    expect(report.status).toBe(404);
    expect(report.builtByRefusal).toBe(1);
  });

  it('runs the lazily loaded parts inside the real bundles: phone metadata, the common-password list, argon2id', async () => {
    // Sign-up and login with a phone number, each through its real bundle against dynalite: the sign-up needs
    // the phone metadata, the common-password list and argon2id, the login the metadata and argon2id, and
    // each of the three is loaded by an import() on first use (the metadata read from the file shipped beside
    // the bundle, found as on Lambda through LAMBDA_TASK_ROOT). Were one broken in the bundle, the request
    // would end in a 500.
    const tableName = 'halo-bundles';
    const dynamo = await startLocalDynamoDb(undefined, tableName);
    const keyDir = mkdtempSync(join(tmpdir(), 'halo-bundle-keys-'));
    try {
      const keyFile = join(keyDir, 'signing-keys.json');
      await ensureSigningKeyFile(keyFile);
      const password = 'correct horse battery staple';
      const requests = [
        { name: 'register', path: '/api/register', identifier: '+1 415 555 2671' },
        { name: 'login', path: '/api/login', identifier: '+14155552671' },
      ].map(({ name, path, identifier }) => {
        const spec = FUNCTIONS.find((f) => f.name === name);
        if (!spec) throw new Error(`no function ${name} in the catalog`);
        // The key file instead of the secret (lib/config.ts takes exactly one of the two).
        const deployed = Object.fromEntries(Object.entries(deployedEnvironment(synth, spec)).filter(([name]) => name !== 'SIGNING_KEY_SECRET_ID'));
        return {
          name,
          file: join(assetDirOf(spec), 'index.js'),
          env: { ...deployed, LAMBDA_TASK_ROOT: assetDirOf(spec), TABLE_NAME: tableName, DYNAMODB_ENDPOINT: dynamo.endpoint, SIGNING_KEY_FILE: keyFile },
          event: httpEvent({ path, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier, password }) }),
        };
      });
      const answers = await invokeBundles(requests);
      expect(answers.map(({ statusCode, body }) => [statusCode, body.status, body.data?.user?.identifierType, body.data?.user?.identifier])).toEqual([
        [201, 'success', 'phone', '+14155552671'],
        [200, 'success', 'phone', '+14155552671'],
      ]);
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
      await dynamo.close();
    }
  }, 60_000);
});

interface BundleAnswer {
  readonly statusCode: number;
  readonly body: { status?: string; data?: { user?: { identifierType?: string; identifier?: string } } };
}

/**
 * Invokes bundles one after another in a child process (as Lambda's CommonJS loader would load them),
 * asynchronously: the dynalite they talk to runs in this process.
 */
function invokeBundles(requests: { name: string; file: string; env: Record<string, string>; event: unknown }[]): Promise<BundleAnswer[]> {
  const script = `
    const baseline = { ...process.env };
    (async () => {
      const answers = [];
      for (const { name, file, env, event } of JSON.parse(process.argv[1])) {
        process.env = { ...baseline, ...env };
        const { handler } = require(file);
        const result = await handler(event, { functionName: name, awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 30000 });
        answers.push({ statusCode: result.statusCode, body: JSON.parse(result.body) });
      }
      process.stdout.write(JSON.stringify(answers));
    })().catch((error) => { process.stderr.write(String(error && error.stack)); process.exitCode = 1; });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, JSON.stringify(requests)], {
      env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 50_000,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as BundleAnswer[]) : reject(new Error(`bundles failed (exit ${code}): ${out}${err}`))));
  });
}

/**
 * Every input esbuild put into a function's bundle, and which of them it evaluates at cold start: the
 * modules reachable from its entry by static imports. What it reaches only through `import()` stays in
 * the same file but runs on first use. Built with the construct's esbuild options (a metafile, no
 * output), so this holds for what is deployed; built once per function for the whole file.
 */
const metafiles = new Map<string, Promise<Metafile>>();
function metafileOf(name: string): Promise<Metafile> {
  const spec = FUNCTIONS.find((f) => f.name === name);
  if (!spec) throw new Error(`no function ${name} in the catalog`);
  if (!metafiles.has(name)) {
    const built = build({
      ...HALO_ESBUILD_OPTIONS,
      entryPoints: [join(PROJECT_ROOT, `functions/${name}.ts`)],
      external: externalsOf(spec),
      absWorkingDir: PROJECT_ROOT,
      outfile: join(PROJECT_ROOT, 'dist', 'never-written.js'),
      write: false,
      metafile: true,
      logLevel: 'silent',
    }).then(({ metafile }) => metafile);
    metafiles.set(name, built);
  }
  return metafiles.get(name) as Promise<Metafile>;
}

async function eagerAndLazyInputs(name: string): Promise<{ eager: string[]; lazy: string[] }> {
  const entry = `functions/${name}.ts`;
  const metafile = await metafileOf(name);
  const reach = (kinds: ReadonlySet<string>, from: string[]): Set<string> => {
    const seen = new Set<string>(from);
    const queue = [...from];
    for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
      for (const imported of metafile.inputs[path]?.imports ?? []) {
        if (imported.external || !kinds.has(imported.kind) || seen.has(imported.path)) continue;
        seen.add(imported.path);
        queue.push(imported.path);
      }
    }
    return seen;
  };
  const eager = reach(new Set(['import-statement', 'require-call']), [entry]);
  const everything = reach(new Set(['import-statement', 'require-call', 'dynamic-import']), [entry]);
  return { eager: [...eager], lazy: [...everything].filter((path) => !eager.has(path)) };
}

/** What the bundle file holds (bytes in the output), eager and lazy alike: V8 parses all of it at load. */
async function bundledInputs(name: string): Promise<string[]> {
  const outputs = Object.values((await metafileOf(name)).outputs);
  return outputs.flatMap((output) => Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path));
}

/** Large packages a request may not need: none of them may be evaluated at a credential route's cold start. */
const LAZY_ONLY = {
  'libphonenumber-js': /node_modules\/libphonenumber-js\//,
  'the common-password list': /node_modules\/@zxcvbn-ts\//,
  'argon2id (hash-wasm)': /node_modules\/hash-wasm\//,
  sharp: /node_modules\/sharp\//,
  'zod classic': /node_modules\/zod\/v4\/classic\//,
};

describe('what the credential functions evaluate at cold start', () => {
  it.each(['register', 'login', 'oauth-token', 'refresh', 'get-user'])('%s: no large package a request may not need', async (name) => {
    const { eager } = await eagerAndLazyInputs(name);
    const found = Object.entries(LAZY_ONLY).flatMap(([what, path]) => (eager.some((input) => path.test(input)) ? [what] : []));
    expect(found).toEqual([]);
  });

  it('register still reaches the phone metadata, the password list and argon2id, through import() (or the check above sees nothing)', async () => {
    const { lazy } = await eagerAndLazyInputs('register');
    const reached = Object.entries(LAZY_ONLY).flatMap(([what, path]) => (lazy.some((input) => path.test(input)) ? [what] : []));
    expect(reached).toEqual(['libphonenumber-js', 'the common-password list', 'argon2id (hash-wasm)']);
  });
});

const PASSWORD_ROUTES = ['register', 'login', 'change-password', 'oauth-token'];
const withAccess = (granted: (access: FunctionSpec['access']) => unknown) => FUNCTIONS.filter((spec) => granted(spec.access)).map((spec) => spec.name);

/**
 * Code that only some functions need, and which functions those are. Lazily loaded code still costs
 * every cold start its parse (and its share of the download), so a function outside the list must not
 * carry it at all, not even behind an `import()`: its bundle holds it only if its module graph reaches
 * it. Each list is exact: a function in it that no longer carries the package fails too, so the list
 * cannot outlive the code it describes.
 */
const ONLY_IN: Record<string, { readonly path: RegExp; readonly functions: readonly string[] }> = {
  // Hash or verify a password: sign-up, login, the password change, and the OAuth password grant.
  'argon2id (hash-wasm)': { path: /node_modules\/hash-wasm\//, functions: PASSWORD_ROUTES },
  'the password hasher': { path: /^lib\/passwords\/(password-hasher|argon2)\.ts$/, functions: PASSWORD_ROUTES },
  // Parse an identifier that may be a phone number: the same four (the change counts failures per identifier), and adding or removing an identifier.
  'libphonenumber-js': { path: /node_modules\/libphonenumber-js\//, functions: [...PASSWORD_ROUTES, 'add-identifier', 'remove-identifier'] },
  // Its metadata as JavaScript (a ~150 KB object literal V8 scans at every cold start): no function. The three
  // above read it as JSON from a file shipped beside the bundle (lib/identifiers/phone-numbers.ts).
  'the phone metadata as code': { path: /node_modules\/libphonenumber-js\/metadata\.[a-z]+\.json\.js$/, functions: [] },
  // Judge a new password: sign-up and the password change.
  'the common-password list': { path: /node_modules\/@zxcvbn-ts\//, functions: ['register', 'change-password'] },
  // Sniff and decode an image: the upload and the check of a presigned upload.
  'image sniffing (file-type)': { path: /node_modules\/file-type\//, functions: ['upload-avatar', 'avatar-events'] },
  // The SDK clients, each only where the catalog grants the access it is used for.
  'the DynamoDB client': { path: /node_modules\/@aws-sdk\/client-dynamodb\//, functions: withAccess((access) => access.table) },
  'the S3 client': { path: /node_modules\/@aws-sdk\/client-s3\//, functions: withAccess((access) => access.bucket) },
  'the Secrets Manager client': { path: /node_modules\/@aws-sdk\/client-secrets-manager\//, functions: withAccess((access) => access.signingKey) },
  // The private key set's loader only where tokens are issued; the public set's only where they are only verified.
  'the private key set': { path: /^functions\/common\/runtime\/signing-keys\.ts$/, functions: withAccess((access) => access.signingKey === 'sign') },
  'the public key set': { path: /^functions\/common\/runtime\/public-keys\.ts$/, functions: withAccess((access) => access.signingKey === 'verify') },
  'the @connections client': { path: /node_modules\/@aws-sdk\/client-apigatewaymanagementapi\//, functions: withAccess((access) => access.connections) },
};

describe('what each function bundles at all (lazily loaded code included)', () => {
  it.each(EACH_FUNCTION)('%s: only the parts of Halo it calls', async (name) => {
    const inputs = await bundledInputs(name);
    const carried = Object.entries(ONLY_IN).flatMap(([what, { path }]) => (inputs.some((input) => path.test(input)) ? [what] : []));
    const expected = Object.entries(ONLY_IN).flatMap(([what, { functions }]) => (functions.includes(name) ? [what] : []));
    expect(carried).toEqual(expected);
  });
});
