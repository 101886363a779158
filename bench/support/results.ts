import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from './environment';

/**
 * Every part's figures, merged into dist/bench/latest.json (git-ignored), so that `npm run bench -- cost`
 * can price the latest measurements without measuring again, and a part run alone updates only its own.
 */
export const RESULTS_FILE = join(PROJECT_ROOT, 'dist', 'bench', 'latest.json');

export type Results = Record<string, unknown>;

export async function loadResults(): Promise<Results> {
  try {
    return JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as Results;
  } catch {
    return {};
  }
}

export async function saveResults(part: string, figures: unknown): Promise<void> {
  const all = await loadResults();
  all[part] = figures;
  all.machine ??= {};
  await mkdir(join(PROJECT_ROOT, 'dist', 'bench'), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify(all, null, 2)}\n`);
}
