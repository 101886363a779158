import { SignJWT, jwtVerify, importJWK } from 'jose';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '#lib/config';
import {
  InvalidKeySetError,
  JWKS_MAX_AGE_SECONDS,
  KEY_SET_CACHE_SECONDS,
  KEY_TIMING,
  SIGNING_ALGORITHM,
  UNKNOWN_KID_REFETCH_MS,
  activeKey,
  cachedSigningKeys,
  parsePublicKeySet,
  publicKeySetOf,
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

  const at = (seconds: number) => new Date(seconds * 1000);
  const TIMING = { publishLeadSeconds: 600, retainSeconds: 4_000 };

  it('puts a new key first, signing publishLeadSeconds later; the first key of all signs at once', async () => {
    const first = await rotateKeySet(undefined, at(1_000), TIMING);
    const second = await rotateKeySet(first, at(2_000), TIMING);

    expect(first.keys.map((k) => k.activeAt)).toEqual([1_000]);
    expect(second.keys.map((k) => k.kid)).toEqual([second.keys[0]?.kid, first.keys[0]?.kid]);
    expect(second.keys[0]?.activeAt).toBe(2_600);
  });

  it('keeps a key until retainSeconds after its successor started signing, then drops it', async () => {
    const first = await rotateKeySet(undefined, at(1_000), TIMING);
    const second = await rotateKeySet(first, at(2_000), TIMING); // second signs from 2,600
    const third = await rotateKeySet(second, at(2_100), TIMING); // a rotation in a row keeps all
    expect(third.keys.slice(1)).toEqual(second.keys);

    const beforeRetirement = await rotateKeySet(second, at(2_600 + 4_000 - 1), TIMING);
    expect(beforeRetirement.keys.map((k) => k.kid)).toContain(first.keys[0]?.kid);
    const afterRetirement = await rotateKeySet(second, at(2_600 + 4_000), TIMING);
    expect(afterRetirement.keys.slice(1)).toEqual(second.keys.slice(0, 1));
  });

  it('keeps the previous key by default for longer than the longest token lifetime plus every cache', () => {
    expect(KEY_TIMING.retainSeconds).toBeGreaterThanOrEqual(MAX_ACCESS_TOKEN_TTL_SECONDS + KEY_SET_CACHE_SECONDS);
    expect(KEY_TIMING.publishLeadSeconds).toBeGreaterThanOrEqual(KEY_SET_CACHE_SECONDS + JWKS_MAX_AGE_SECONDS);
  });
});

describe('activeKey', () => {
  it('is the newest key whose activeAt has come (a published key waits), a key without activeAt being active', async () => {
    const first = await rotateKeySet(undefined, at(1_000));
    const second = await rotateKeySet(first, at(2_000), { publishLeadSeconds: 600, retainSeconds: 4_000 });
    expect(activeKey(second, at(2_599))?.kid).toBe(first.keys[0]?.kid);
    expect(activeKey(second, at(2_600))?.kid).toBe(second.keys[0]?.kid);
    const legacy = { keys: second.keys.map((key) => ({ ...key, activeAt: undefined })) };
    expect(activeKey(legacy, at(0))?.kid).toBe(second.keys[0]?.kid);
  });

  function at(seconds: number) {
    return new Date(seconds * 1000);
  }
});

describe('toSigningKeys', () => {
  it('signs with the current key and publishes only the public halves of all keys', async () => {
    const set = await rotateKeySet(await rotateKeySet(undefined));
    const keys = await toSigningKeys(set, new Date(Date.now() + KEY_TIMING.publishLeadSeconds * 1000));

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

  it('refetch reads again at once, but at most once per UNKNOWN_KID_REFETCH_MS (made-up kids cannot flood the store)', async () => {
    const { source } = await countingSource();
    let now = 0;
    const signingKeys = cachedSigningKeys(source, REFRESH_MS, () => now);
    await signingKeys();
    now = UNKNOWN_KID_REFETCH_MS - 1;
    await signingKeys.refetch();
    expect(source.reads).toBe(1);
    now = UNKNOWN_KID_REFETCH_MS;
    await signingKeys.refetch();
    expect(source.reads).toBe(2);
    await signingKeys.refetch();
    await signingKeys();
    expect(source.reads).toBe(2);
  });
});

describe('public key sets', () => {
  it('hold the public halves only, and a set with a private member is refused', async () => {
    const set = await rotateKeySet(undefined);
    const published = JSON.stringify(publicKeySetOf(set));
    expect(published).not.toMatch(/"d"|activeAt/);
    expect(parsePublicKeySet(published).keys.map((k) => k.kid)).toEqual([set.keys[0]?.kid]);
    expect(() => parsePublicKeySet(JSON.stringify(set))).toThrow(InvalidKeySetError);
  });
});
