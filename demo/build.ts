import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * The demo as static files: demo.html, demo.css and demo.js (the demo and client/ bundled by esbuild into
 * one ES module). The docs site build puts them beside the documentation, which Halo serves at /docs/ (and
 * /demo); `npm run demo:build` writes them to dist/demo for hosting anywhere, pointed at Halo by `?api=`.
 */
export const DEMO_FILES = ['demo.html', 'demo.css', 'demo.js'] as const;

export async function buildDemo(outDir: string): Promise<void> {
  const here = new URL('.', import.meta.url).pathname;
  await mkdir(outDir, { recursive: true });
  const bundled = await build({
    entryPoints: [join(here, 'demo.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
  });
  await writeFile(join(outDir, 'demo.js'), bundled.outputFiles[0]?.text ?? '');
  await copyFile(join(here, 'index.html'), join(outDir, 'demo.html'));
  await copyFile(join(here, 'demo.css'), join(outDir, 'demo.css'));
}

