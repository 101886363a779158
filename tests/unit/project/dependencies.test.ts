import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every package that package.json declares is used: a runtime dependency is imported by the code, and a
 * development dependency is imported, run by a script or a config file, or types a package that is.
 * A dependency nobody uses still gets installed, audited and updated, and misleads a reader about how the
 * code works (four middy middlewares once stood declared beside hand-written request parsing).
 */
const root = process.cwd();
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

const SOURCE_FOLDERS = ['lib', 'functions', 'infra', 'local', 'deploy', 'bench', 'tools', 'tests', 'types', 'client', 'demo'];
const sourceFiles = (folder: string): string[] =>
  readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|js|mjs)$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    // What is installed or built there is not the project's code.
    .filter((file) => !/(^|\/)(node_modules|dist)\//.test(file));

const packageJson = (name: string) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
  bin?: string | Record<string, string>;
  peerDependencies?: Record<string, string>;
};
/** The commands a package installs (node_modules/.bin). */
const commandsOf = (name: string): string[] => {
  const { bin } = packageJson(name);
  if (bin === undefined) return [];
  return typeof bin === 'string' ? [name.split('/').pop() ?? name] : Object.keys(bin);
};

const files = SOURCE_FOLDERS.flatMap(sourceFiles).filter((file) => file !== relative(root, import.meta.filename ?? ''));
const sources = new Map(files.map((file) => [file, readFileSync(join(root, file), 'utf8')]));
/** Config files and scripts that run tools by name. */
const toolText = [
  Object.values(manifest.scripts).join('\n'),
  ...['jest.config.js', 'eslint.config.js', 'cdk.json', 'redocly.yaml', 'Dockerfile.deploy', 'docker-compose.yml', 'docker-compose.embedded.yml'].map(
    (file) => readFileSync(join(root, file), 'utf8'),
  ),
].join('\n');

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
// An import, or a package whose files are read by path (`node_modules/swagger-ui-dist`, copied into the docs site).
const importsOf = (name: string) => new RegExp(`((from|import\\(|import|require\\(|resolve\\()\\s*['"]|['"]node_modules/)${escape(name)}(['"/])`);
const importers = (name: string) => [...sources].filter(([, text]) => importsOf(name).test(text)).map(([file]) => file);

const typedPackage = (name: string) => {
  const bare = name.slice('@types/'.length);
  return bare.includes('__') ? `@${bare.replace('__', '/')}` : bare;
};
/** @types/ packages for Node's and the test runner's globals and for the event shapes, which code uses without importing them by name. */
const AMBIENT_TYPES = new Set(['@types/node', '@types/jest', '@types/aws-lambda']);

describe('declared dependencies', () => {
  it.each(Object.keys(manifest.dependencies))('%s is imported by the code', (name) => {
    expect(importers(name)).not.toEqual([]);
  });

  it.each(Object.keys(manifest.devDependencies))('%s is imported, run or typed', (name) => {
    if (AMBIENT_TYPES.has(name)) return;
    if (name.startsWith('@types/')) {
      expect(importers(typedPackage(name))).not.toEqual([]);
      return;
    }
    const mentioned = (word: string) => new RegExp(`(^|[\\s'"/])${escape(word)}([\\s'"/@]|$)`, 'm').test(toolText + [...sources.values()].join('\n'));
    const run = commandsOf(name).some(mentioned) || new RegExp(`['"]${escape(name)}['"/]`).test(toolText);
    // A peer that another declared package needs installed beside it (@swc/core for @swc/jest).
    const peer = Object.keys(manifest.devDependencies).some((other) => Object.hasOwn(packageJson(other).peerDependencies ?? {}, name));
    expect({ name, used: run || peer || importers(name).length > 0 }).toEqual({ name, used: true });
  });
});
