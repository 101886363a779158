import { buildDemo } from './build';

/** `npm run demo:build`: the demo as static files in dist/demo (or the folder given), to host anywhere with `?api=`. */
const outDir = process.argv[2] ?? 'dist/demo';
buildDemo(outDir).then(
  () => console.log(`Demo built in ${outDir}: open demo.html?api=<Halo base URL>, or npm start and /demo`),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
