/**
 * The two hash-wasm functions Halo uses, behind a module of their own so that the hasher can load them
 * with a dynamic `import()` and esbuild still bundles only these two (an `import('hash-wasm')` would keep
 * every algorithm of the package: ~210 KB instead of ~30 KB).
 */
export { argon2id, argon2Verify } from 'hash-wasm';
