import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { rotateKeySet } from '#lib/tokens/signing-keys';

/**
 * The embedded default's stand-in for the Secrets Manager secret: generated on first start, kept in
 * the data folder (mode 0600), reused afterwards so tokens survive a restart.
 */
export async function ensureSigningKeyFile(path: string): Promise<void> {
  try {
    await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(await rotateKeySet(undefined), null, 2), { mode: 0o600, flag: 'wx' });
  }
}
