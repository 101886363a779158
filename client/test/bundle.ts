import { build } from 'esbuild';

/** The client as browsers get it: one ES module, bundled by esbuild (what `npm run build` in client/ makes). */
export async function clientBundle(): Promise<string> {
  const result = await build({
    entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
  });
  return result.outputFiles[0]?.text ?? '';
}
