import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseKeySet, publicKeySetOf, rotateKeySet } from '#lib/tokens/signing-keys';

/**
 * The embedded default's stand-in for the two Secrets Manager secrets: the private key set (generated on
 * first start, kept in the data folder, mode 0600, reused afterwards so tokens survive a restart) and the
 * public key set beside it, which is all the functions that only verify tokens are pointed at (PUBLIC_KEY_SET_FILE),
 * as on AWS. The public file is rewritten from the private one at every start, as the rotation's setSecret step does.
 */
export async function ensureSigningKeyFile(path: string, publicPath?: string): Promise<void> {
  try {
    await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(await rotateKeySet(undefined), null, 2), { mode: 0o600, flag: 'wx' });
  }
  if (publicPath) {
    const publicSet = publicKeySetOf(parseKeySet(await readFile(path, 'utf8')));
    await writeFile(publicPath, JSON.stringify(publicSet, null, 2), { mode: 0o644 });
  }
}
