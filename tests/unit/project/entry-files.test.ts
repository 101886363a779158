import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS } from '#infra/catalog';

/**
 * The way in is the same for every function: functions/<name>.ts parses the event, calls one use case of
 * lib/ with the deps functions/common/runtime/ assembles, and answers. So an entry file imports exactly one
 * use-case module of lib/, no repository, and from the runtime only assembled deps (`…Deps`), never a
 * repository or client to call itself. docs/adding-a-route.md shows the shape.
 */
const FUNCTIONS_DIR = join(process.cwd(), 'functions');

/** lib/ modules an entry file may use besides its use case: none of them does the operation. */
const SUPPORT = new Set([
  '#lib/errors', // HaloError, for input the entry file refuses itself
  '#lib/config', // where the documentation site is (docs)
  '#lib/docs/site', // the site's cache and content-security headers (docs)
  '#lib/avatars/avatar-objects', // decoding an S3 event's object key (avatar-events)
]);
/** Runtime exports that are not deps objects, and why an entry file may take them. */
const RUNTIME_NON_DEPS = new Set([
  'config', // oauth-metadata publishes the issuer it names
  'publicKeys', // jwks publishes the public key set (lib/tokens/published-keys.ts)
]);
/** Entry files without a use case: they only refuse. */
const NO_USE_CASE = new Set(['not-found']);

interface Import {
  readonly names: string[];
  readonly from: string;
  readonly typeOnly: boolean;
}
const importsOf = (source: string): Import[] =>
  [...source.matchAll(/^import\s+(type\s+)?(?:\{([^}]*)\}|(\w+))[^'"]*from\s+'([^']+)';/gm)].map((match) => ({
    typeOnly: Boolean(match[1]),
    names: (match[2] ?? match[3] ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name && !name.startsWith('type '))
      .map((name) => name.split(/\s+as\s+/)[0] ?? name),
    from: match[4] ?? '',
  }));

const entryFiles = readdirSync(FUNCTIONS_DIR).filter((file) => file.endsWith('.ts'));

describe('entry files (functions/*.ts)', () => {
  it('are one per catalog function, and nothing else', () => {
    expect(entryFiles.map((file) => file.replace(/\.ts$/, '')).sort()).toEqual(FUNCTIONS.map((spec) => spec.name).sort());
  });

  describe.each(entryFiles)('%s', (file) => {
    const imports = importsOf(readFileSync(join(FUNCTIONS_DIR, file), 'utf8')).filter((entry) => !entry.typeOnly && entry.names.length > 0);

    it('calls exactly one use case of lib/', () => {
      const useCases = imports.filter((entry) => entry.from.startsWith('#lib/') && !SUPPORT.has(entry.from)).map((entry) => entry.from);
      expect(useCases).toHaveLength(NO_USE_CASE.has(file.replace(/\.ts$/, '')) ? 0 : 1);
    });

    it('imports no repository: from the runtime only assembled deps', () => {
      expect(imports.filter((entry) => entry.from.startsWith('#lib/storage/'))).toEqual([]);
      const fromRuntime = imports.filter((entry) => entry.from.startsWith('./common/runtime/')).flatMap((entry) => entry.names);
      expect(fromRuntime.filter((name) => !name.endsWith('Deps') && !RUNTIME_NON_DEPS.has(name))).toEqual([]);
    });
  });
});
