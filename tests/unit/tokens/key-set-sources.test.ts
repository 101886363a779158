import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileKeySetSource, filePublicKeySetSource, secretKeySetSource, secretPublicKeySetSource } from '#lib/tokens/key-set-sources';
import { InvalidKeySetError, publicKeySetOf, rotateKeySet } from '#lib/tokens/signing-keys';
import { fakeSecretsManager } from '#tests/support/fake-secrets-manager';

describe('secretKeySetSource', () => {
  it("reads the secret's current version", async () => {
    const previous = await rotateKeySet(undefined);
    const current = await rotateKeySet(previous);
    const secrets = fakeSecretsManager('halo-keys', {
      v1: { secretString: JSON.stringify(previous), stages: ['AWSPREVIOUS'] },
      v2: { secretString: JSON.stringify(current), stages: ['AWSCURRENT'] },
    });
    await expect(secretKeySetSource(secrets.client, 'halo-keys').read()).resolves.toEqual(current);
  });

  it('refuses the placeholder left before the first rotation', async () => {
    const secrets = fakeSecretsManager('halo-keys', { v0: { secretString: 'q7#Lz!random-placeholder', stages: ['AWSCURRENT'] } });
    await expect(secretKeySetSource(secrets.client, 'halo-keys').read()).rejects.toThrow(InvalidKeySetError);
  });

  it('says so when the secret has no string value', async () => {
    const secrets = fakeSecretsManager('halo-keys', { v0: { secretString: '', stages: ['AWSCURRENT'] } });
    await expect(secretKeySetSource(secrets.client, 'halo-keys').read()).rejects.toThrow('has its first rotation run?');
  });
});

describe('fileKeySetSource', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'halo-keys-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads the key set from the file', async () => {
    const set = await rotateKeySet(undefined);
    const path = join(folder, 'signing-keys.json');
    await writeFile(path, JSON.stringify(set));
    await expect(fileKeySetSource(path).read()).resolves.toEqual(set);
  });

  it('refuses a file that is not a key set', async () => {
    const path = join(folder, 'signing-keys.json');
    await writeFile(path, '{"keys":[]}');
    await expect(fileKeySetSource(path).read()).rejects.toThrow(InvalidKeySetError);
  });
});

describe('public key set sources', () => {
  it('read the public set from its secret, and refuse a set with a private key (the wrong secret)', async () => {
    const set = await rotateKeySet(undefined);
    const good = fakeSecretsManager('halo-public', { v1: { secretString: JSON.stringify(publicKeySetOf(set)), stages: ['AWSCURRENT'] } });
    await expect(secretPublicKeySetSource(good.client, 'halo-public').read()).resolves.toEqual(publicKeySetOf(set));
    const wrong = fakeSecretsManager('halo-public', { v1: { secretString: JSON.stringify(set), stages: ['AWSCURRENT'] } });
    await expect(secretPublicKeySetSource(wrong.client, 'halo-public').read()).rejects.toThrow('holds a private key');
  });

  it('read the public set from its file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'halo-public-keys-'));
    try {
      const set = await rotateKeySet(undefined);
      const path = join(folder, 'public-keys.json');
      await writeFile(path, JSON.stringify(publicKeySetOf(set)));
      await expect(filePublicKeySetSource(path).read()).resolves.toEqual(publicKeySetOf(set));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
