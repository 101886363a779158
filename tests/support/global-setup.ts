import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SITE_FOLDER } from '#lib/docs/site';
import { ensureDocsSite } from '#tools/docs/site-builder';
import { ensureSkippedDir } from './optional-tools';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Once per Jest run: a folder for the contract check's per-file summaries, one for the output of
 * every embedded stack, one for the tests skipped for a missing program (tests/support/optional-tools.ts) (their paths reach the workers through the environment), and the documentation
 * site, built here when stale so that the end-to-end stacks, which all serve it, do not race to build it.
 */
export default async function globalSetup(): Promise<void> {
  process.env.HALO_CONTRACT_DIR = await mkdtemp(join(tmpdir(), 'halo-contract-'));
  process.env.HALO_STACK_OUTPUT_DIR = await mkdtemp(join(tmpdir(), 'halo-stack-output-'));
  ensureSkippedDir();
  await ensureDocsSite({ projectRoot: PROJECT_ROOT, outDir: join(PROJECT_ROOT, SITE_FOLDER) });
}
