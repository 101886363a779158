import type { BuildOptions } from 'esbuild';

/**
 * The esbuild options NodejsFunction uses for every Halo function, written out by hand because
 * infra/constructs/halo-function.ts does not export them: its `bundling` block (minify, sourceMap,
 * sourcesContent false, target node22, format CJS, bundleAwsSDK → no externals) as aws-cdk-lib turns it
 * into an esbuild command line (`esbuild --bundle <entry> --target=node22 --platform=node --format=cjs
 * --minify --sourcemap --sources-content=false --main-fields=module,main`). A function's catalog `nativeModules` (sharp) become `--external:` entries, as
 * NodejsFunction's `nodeModules` do (see `externalsOf`). Keep in step with halo-function.ts until it
 * shares one object with this file.
 */
export const HALO_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
} as const satisfies BuildOptions;

/** What Lambda runs the bundle with (halo-function.ts sets NODE_OPTIONS for every function). */
export const LAMBDA_NODE_OPTIONS = ['--enable-source-maps'];

/** NodejsFunction leaves `nodeModules` out of the bundle and installs them beside it (node_modules/). */
export const externalsOf = (spec: { readonly nativeModules?: readonly string[] }): string[] => [...(spec.nativeModules ?? [])];
