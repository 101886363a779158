import { SignJWT, jwtVerify, importJWK } from 'jose';
import {
  InvalidKeySetError,
  SIGNING_ALGORITHM,
  cachedSigningKeys,
  generateSigningKey,
  parseKeySet,
  rotateKeySet,
  toSigningKeys,
  type KeySet,
  type KeySetSource,
} from '#lib/tokens/signing-keys';

describe('generateSigningKey', () => {
  it('makes a private ES256 signing JWK with a kid', async () => {
    const key = await generateSigningKey();
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(typeof key.kid).toBe('string');
    expect(typeof key.d).toBe('string');
    expect((await generateSigningKey()).kid).not.toBe(key.kid);
  });
});

describe('rotateKeySet', () => {
  it('starts a key set with one key', async () => {
    const set = await rotateKeySet(undefined);
    expect(set.keys).toHaveLength(1);
  });

  it('puts a new key first and keeps only the previous current key after it', async () => {
    const first = await rotateKeySet(undefined);
    const second = await rotateKeySet(first);
    const third = await rotateKeySet(second);

    expect(second.keys.map((k) => k.kid)).toEqual([second.keys[0]?.kid, first.keys[0]?.kid]);
    expect(third.keys).toHaveLength(2);
    expect(third.keys[1]).toEqual(second.keys[0]);
    expect(third.keys.map((k) => k.kid)).not.toContain(first.keys[0]?.kid);
    expect(new Set(third.keys.map((k) => k.kid)).size).toBe(2);
  });
});

describe('toSigningKeys', () => {
  it('signs with the current key and publishes only the public halves of all keys', async () => {
    const set = await rotateKeySet(await rotateKeySet(undefined));
    const keys = await toSigningKeys(set);

    expect(keys.kid).toBe(set.keys[0]?.kid);
    expect(keys.publicJwks.map((k) => k.kid)).toEqual(set.keys.map((k) => k.kid));
    for (const jwk of keys.publicJwks) {
      expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(jwk).not.toHaveProperty('d');
      expect(jwk).toMatchObject({ alg: SIGNING_ALGORITHM, use: 'sig' });
    }

    // The private key is the current key's: what it signs, the current public key verifies.
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).sign(keys.privateKey);
    const [currentPublic] = keys.publicJwks;
    if (!currentPublic) throw new Error('no public key');
    await expect(jwtVerify(token, await importJWK(currentPublic, 'ES256'))).resolves.toBeDefined();
  });

  it('refuses a key set whose current key has no private part or no kid', async () => {
    const publicOnly = { ...(await generateSigningKey()), d: undefined };
    await expect(toSigningKeys({ keys: [publicOnly] })).rejects.toThrow('no current private key');
    const noKid = { ...(await generateSigningKey()), kid: undefined };
    await expect(toSigningKeys({ keys: [noKid] })).rejects.toThrow('no current private key');
  });
});

describe('parseKeySet', () => {
  it('reads a stored key set', async () => {
    const set = await rotateKeySet(undefined);
    expect(parseKeySet(JSON.stringify(set))).toEqual(set);
  });

  it.each([
    ['not JSON', 'k8#Jr2!placeholder'],
    ['JSON null', 'null'],
    ['a JSON string', '"keys"'],
    ['an object without keys', '{"password":"x"}'],
    ['an empty key list', '{"keys":[]}'],
    ['keys that are not a list', '{"keys":{}}'],
  ])('throws InvalidKeySetError for %s', (_what, text) => {
    expect(() => parseKeySet(text)).toThrow(InvalidKeySetError);
  });
});

describe('cachedSigningKeys', () => {
  const REFRESH_MS = 60_000;

  /** A KeySetSource that counts reads and can be told to fail the next one. */
  async function countingSource() {
    const set: KeySet = await rotateKeySet(undefined);
    const source = {
      reads: 0,
      failNext: false,
      async read(): Promise<KeySet> {
        source.reads++;
        if (source.failNext) {
          source.failNext = false;
          throw new Error('secret unavailable');
        }
        return set;
      },
    } satisfies KeySetSource & Record<string, unknown>;
    return { source, set };
  }

  it('reads once within refreshMs and again after it', async () => {
    const { source, set } = await countingSource();
    let now = 1_000_000;
    const signingKeys = cachedSigningKeys(source, REFRESH_MS, () => now);

    expect((await signingKeys()).kid).toBe(set.keys[0]?.kid);
    now += REFRESH_MS; // exactly refreshMs later: still fresh
    await signingKeys();
    expect(source.reads).toBe(1);

    now += 1;
    await signingKeys();
    expect(source.reads).toBe(2);
    await signingKeys();
    expect(source.reads).toBe(2);
  });

  it('shares one read among concurrent callers', async () => {
    const { source } = await countingSource();
    const signingKeys = cachedSigningKeys(source, REFRESH_MS, () => 0);
    const [a, b, c] = await Promise.all([signingKeys(), signingKeys(), signingKeys()]);
    expect(source.reads).toBe(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('retries after a failed read instead of caching the failure', async () => {
    const { source, set } = await countingSource();
    const signingKeys = cachedSigningKeys(source, REFRESH_MS, () => 0);
    source.failNext = true;

    await expect(signingKeys()).rejects.toThrow('secret unavailable');
    expect((await signingKeys()).kid).toBe(set.keys[0]?.kid);
    expect(source.reads).toBe(2);
    await signingKeys();
    expect(source.reads).toBe(2);
  });

  it('keeps newer keys when a superseded read fails late', async () => {
    const set = await rotateKeySet(undefined);
    const pending: { reject: (error: Error) => void }[] = [];
    let reads = 0;
    const source: KeySetSource = {
      read: () => {
        reads++;
        // The first read hangs until rejected by hand; later reads succeed.
        return reads === 1 ? new Promise((_resolve, reject) => pending.push({ reject })) : Promise.resolve(set);
      },
    };
    let now = 0;
    const signingKeys = cachedSigningKeys(source, REFRESH_MS, () => now);

    const slow = signingKeys();
    now = REFRESH_MS + 1;
    await signingKeys(); // a second read replaced the first in the cache
    pending[0]?.reject(new Error('timed out'));
    await expect(slow).rejects.toThrow('timed out');

    await signingKeys();
    expect(reads).toBe(2);
  });
});
