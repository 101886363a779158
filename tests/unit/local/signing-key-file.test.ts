import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSigningKeyFile } from '#local/signing-key-file';
import { parseKeySet, parsePublicKeySet, publicKeySetOf, rotateKeySet } from '#lib/tokens/signing-keys';

/** The embedded stack's two key files: the private set (issuers) and the public set beside it (verifiers). */
describe('ensureSigningKeyFile', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'halo-key-files-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('makes a private key set (mode 0600) and its public set beside it, which holds no private member', async () => {
    const privatePath = join(folder, 'keys', 'signing-keys.json');
    const publicPath = join(folder, 'keys', 'public-keys.json');
    await ensureSigningKeyFile(privatePath, publicPath);

    const privateSet = parseKeySet(await readFile(privatePath, 'utf8'));
    const publicText = await readFile(publicPath, 'utf8');
    expect(parsePublicKeySet(publicText)).toEqual(publicKeySetOf(privateSet));
    expect(publicText).not.toContain('"d"');
    expect((await stat(privatePath)).mode & 0o777).toBe(0o600);
  });

  it('keeps an existing private set and rewrites the public one from it (a data folder from before the split)', async () => {
    const privatePath = join(folder, 'signing-keys.json');
    const publicPath = join(folder, 'public-keys.json');
    const existing = await rotateKeySet(undefined);
    await writeFile(privatePath, JSON.stringify(existing));
    await ensureSigningKeyFile(privatePath, publicPath);

    expect(parseKeySet(await readFile(privatePath, 'utf8'))).toEqual(existing);
    expect(parsePublicKeySet(await readFile(publicPath, 'utf8'))).toEqual(publicKeySetOf(existing));
  });
});
