import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SITE_FOLDER } from '#lib/docs/site';
import { buildDocsSite } from './site-builder';

/**
 * `npm run docs:build [-- <folder>]`: the documentation site, as static files for any web server
 * (default dist/docs, which `npm start` serves at /docs).
 */
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = resolve(process.argv[2] ?? resolve(projectRoot, SITE_FOLDER));
const started = Date.now();
await buildDocsSite({ projectRoot, outDir });
console.log(`Documentation site built in ${outDir} (${((Date.now() - started) / 1000).toFixed(1)} s); open index.html, or npm start and http://localhost:3000/docs`);
