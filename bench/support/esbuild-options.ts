import type { BuildOptions } from 'esbuild';
import { HALO_BUNDLING } from '#infra/constructs/halo-function';

/**
 * The esbuild options NodejsFunction derives from the construct's `HALO_BUNDLING` (aws-cdk-lib turns it
 * into `esbuild --bundle <entry> --platform=node --target=… --format=cjs --minify --keep-names
 * --main-fields=… --define:…`; `bundleAwsSDK` means no externals). A function's catalog `nativeModules` (sharp)
 * become `--external:` entries, as NodejsFunction's `nodeModules` do (see `externalsOf`).
 */
export const HALO_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: HALO_BUNDLING.target,
  format: HALO_BUNDLING.format,
  minify: HALO_BUNDLING.minify,
  sourcemap: HALO_BUNDLING.sourceMap,
  keepNames: HALO_BUNDLING.keepNames,
  mainFields: [...HALO_BUNDLING.mainFields],
  define: { ...HALO_BUNDLING.define },
} as const satisfies BuildOptions;

/** What Lambda runs the bundle with: the construct sets no NODE_OPTIONS. */
export const LAMBDA_NODE_OPTIONS: readonly string[] = [];

/** The alternative the construct decided against, for the bench's what-if: a source map, read at start. */
export const SOURCE_MAPS: { readonly build: BuildOptions; readonly nodeOptions: readonly string[] } = {
  build: { sourcemap: true, sourcesContent: false, keepNames: false },
  nodeOptions: ['--enable-source-maps'],
};

/** NodejsFunction leaves `nodeModules` out of the bundle and installs them beside it (node_modules/). */
export const externalsOf = (spec: { readonly nativeModules?: readonly string[] }): string[] => [...(spec.nativeModules ?? [])];
