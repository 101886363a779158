import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { callCounts } from './call-counts';
import { coldStart } from './cold-start';
import { costModel } from './cost-model';
import { fanOut } from './fan-out';
import { initProfile } from './init-profile';
import { latency } from './latency';
import { loginBench } from './login';
import { saveResults, RESULTS_FILE } from './support/results';

/**
 * `npm run bench` runs every part; `npm run bench -- cold-start login` runs only those.
 * Everything runs on loopback, in bounded loops, and prints Markdown tables (docs/performance.md
 * carries the latest). Nothing here asserts timings: these are measurements, not tests.
 */
type Part = (options: { quick: boolean; runs: number | undefined }) => Promise<unknown>;

const PARTS: Record<string, Part> = {
  // More runs steady the medians on a busy machine: `npm run bench -- cold-start --runs=11`.
  'cold-start': ({ quick, runs }) => coldStart({ runs: runs ?? (quick ? 3 : 7) }),
  // Where the cold-start gap goes, by CPU profile: `npm run bench -- init-profile --runs=21`.
  'init-profile': ({ quick, runs }) => initProfile({ runs: runs ?? (quick ? 3 : 11) }),
  calls: () => callCounts(),
  latency: ({ quick }) => latency({ quick }),
  'fan-out': () => fanOut(),
  login: ({ quick }) => loginBench({ quick }),
  cost: () => costModel(),
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsArg = args.find((arg) => arg.startsWith('--runs='));
const runs = runsArg ? Number(runsArg.slice('--runs='.length)) : undefined;
if (runs !== undefined && !(Number.isInteger(runs) && runs > 0 && runs <= 51)) {
  console.error(`--runs must be a whole number from 1 to 51, got ${runsArg}`);
  process.exit(2);
}
const requested = args.filter((arg) => !arg.startsWith('--'));
const unknown = requested.filter((name) => !(name in PARTS));
if (unknown.length > 0) {
  console.error(`unknown part(s): ${unknown.join(', ')}; choose from ${Object.keys(PARTS).join(', ')} (and --quick, --runs=N)`);
  process.exit(2);
}
const selected = requested.length > 0 ? requested : Object.keys(PARTS);

console.log(
  `# Halo benchmarks — ${new Date().toISOString()}\n\nNode ${process.version}, ${availableParallelism()} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB; parts: ${selected.join(', ')}${quick ? ' (quick)' : ''}`,
);
for (const name of selected) {
  const part = PARTS[name];
  if (!part) continue;
  const started = performance.now();
  console.log(`\n## ${name}`);
  const load = () => loadavg().map((n) => n.toFixed(1)).join(' ');
  const loadBefore = load();
  const figures = await part({ quick, runs });
  if (figures !== undefined) await saveResults(name, figures);
  // The machine may be shared: a load average far above the core count means noisy figures.
  console.log(`\n(${name}: ${((performance.now() - started) / 1000).toFixed(0)} s; load average before ${loadBefore}, after ${load()})`);
}
console.log(`\nFigures saved to ${RESULTS_FILE}`);
