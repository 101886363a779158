import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS } from '../../infra/catalog';
import { deployedEnvironment, lambdaOf, removeSynthOutputs, synthHalo, type Synthesized } from './halo-template';

/**
 * The one suite that runs esbuild (about ten seconds for all functions): proves that the local,
 * Docker-free bundling works and that what it produces is a CommonJS file Lambda can load.
 */
let synth: Synthesized;
beforeAll(() => {
  synth = synthHalo({ bundle: true });
}, 120_000);
afterAll(removeSynthOutputs);

const EACH_FUNCTION = FUNCTIONS.map((spec) => [spec.name, spec] as const);

const assetDirOf = (spec: (typeof FUNCTIONS)[number]) => {
  const code = lambdaOf(synth, spec)[1].Properties.Code as { S3Key: string };
  return join(synth.app.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
};

describe('function bundles', () => {
  it.each(EACH_FUNCTION)('%s: one bundled file and its source map, nothing else', (_name, spec) => {
    expect(readdirSync(assetDirOf(spec)).sort()).toEqual(['index.js', 'index.js.map']);
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
