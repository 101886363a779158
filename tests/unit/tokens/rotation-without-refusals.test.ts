import { createAccessTokens, type AccessTokens } from '#lib/tokens/access-tokens';
import { rotateSigningKeySecret, type RotationStep } from '#lib/tokens/key-rotation';
import { secretKeySetSource, secretPublicKeySetSource } from '#lib/tokens/key-set-sources';
import { publishedKeySet } from '#lib/tokens/published-keys';
import { cachedPublicKeys, cachedSigningKeys, JWKS_MAX_AGE_SECONDS, KEY_SET_CACHE_SECONDS } from '#lib/tokens/signing-keys';
import { fakeSecretsClient, fakeSecretsManager } from '#tests/support/fake-secrets-manager';

/**
 * Issue 17 point 4: two rotations in a row, with warm issuers and verifiers whose caches were filled at
 * different moments, and a resource server that caches /.well-known/jwks.json as long as its max-age allows
 * (and never refetches on an unknown `kid`: the worst client). Time moves by an injected clock only.
 * Every token issued in the run is checked by every verifier, at every step, for as long as it is valid:
 * none may be refused.
 */
const SECRET_ID = 'halo-signing-keys';
const PUBLIC_SECRET_ID = 'halo-public-keys';
const TTL_SECONDS = 15 * 60;
const SETTINGS = { issuer: 'https://halo.test', audience: 'https://halo.test', ttlSeconds: TTL_SECONDS };
const STEP_SECONDS = 20;
const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

describe('signing-key rotation with warm caches', () => {
  // 2 minutes: the second rotation comes while the first's key is still only published. 13 minutes: it comes
  // after that key started signing, while tokens of the key before are still live (today's code dropped it).
  it.each([2, 13])('refuses no valid token across two rotations %i minutes apart', async (gapMinutes) => {
    let nowMs = Date.UTC(2026, 11, 3, 9, 0, 0);
    const clock = () => nowMs;
    const privateSecret = fakeSecretsManager(SECRET_ID, { v0: { secretString: 'placeholder-from-cloudformation', stages: ['AWSCURRENT'] } });
    const publicSecret = fakeSecretsManager(PUBLIC_SECRET_ID, { p0: { secretString: 'placeholder-from-cloudformation', stages: ['AWSCURRENT'] } });
    const client = fakeSecretsClient(privateSecret, publicSecret);
    let rotations = 0;
    const rotate = async () => {
      const token = `rotation-${++rotations}`;
      for (const step of STEPS) await rotateSigningKeySecret(client, { secretId: SECRET_ID, publicSecretId: PUBLIC_SECRET_ID, token, step }, () => new Date(nowMs));
    };
    await rotate(); // the deploy's first rotation

    const issuerKeys = () => cachedSigningKeys(secretKeySetSource(client, SECRET_ID), KEY_SET_CACHE_SECONDS * 1000, clock);
    const verifierKeys = () => cachedPublicKeys(secretPublicKeySetSource(client, PUBLIC_SECRET_ID), KEY_SET_CACHE_SECONDS * 1000, clock);
    // The jwks function (warm, with its own cache) and a resource server keeping its answer max-age seconds, never refetching early.
    const jwksFunctionKeys = verifierKeys();
    const resourceServerCache = cachedPublicKeys({ read: () => publishedKeySet(jwksFunctionKeys) }, JWKS_MAX_AGE_SECONDS * 1000, clock);
    const resourceServer = createAccessTokens(SETTINGS, () => resourceServerCache());

    // Three issuers and three verifiers, warmed a cache-third apart, so that some read just before each rotation.
    const issuers: AccessTokens[] = [];
    const verifiers: AccessTokens[] = [resourceServer];
    const warmUpStart = nowMs;
    for (let i = 0; i < 3; i++) {
      nowMs = warmUpStart + (i * KEY_SET_CACHE_SECONDS * 1000) / 3;
      const issuer = createAccessTokens(SETTINGS, issuerKeys());
      const verifier = createAccessTokens(SETTINGS, verifierKeys());
      await issuer.issue({ userId: 'warm-up', sessionId: 's', clientId: 'c' }, new Date(nowMs));
      await verifier.verify((await issuer.issue({ userId: 'warm-up', sessionId: 's', clientId: 'c' }, new Date(nowMs))).accessToken, new Date(nowMs));
      issuers.push(issuer);
      verifiers.push(verifier);
    }
    await resourceServerCache();

    const firstRotationAt = nowMs + 10 * 60_000;
    const secondRotationAt = firstRotationAt + gapMinutes * 60_000;
    // Past the second key's first signatures and their whole lifetime.
    const endAt = secondRotationAt + (2 * KEY_SET_CACHE_SECONDS + JWKS_MAX_AGE_SECONDS + 2 * TTL_SECONDS) * 1000;
    // The latest token of each key: a token is refused for its key only if the latest of that key (valid longest) is too.
    const live = new Map<string, { token: string; expiresAtMs: number }>();
    const refused: string[] = [];
    const kidsUsed = new Set<string>();

    for (; nowMs <= endAt; nowMs += STEP_SECONDS * 1000) {
      if (rotations === 1 && nowMs >= firstRotationAt) await rotate();
      if (rotations === 2 && nowMs >= secondRotationAt) await rotate();
      const now = new Date(nowMs);
      for (const issuer of issuers) {
        const { accessToken } = await issuer.issue({ userId: 'user-1', sessionId: 'session-1', clientId: 'app' }, now);
        const kid = JSON.parse(Buffer.from(accessToken.split('.')[0] ?? '', 'base64url').toString()).kid as string;
        kidsUsed.add(kid);
        live.set(kid, { token: accessToken, expiresAtMs: nowMs + TTL_SECONDS * 1000 });
      }
      for (const { token, expiresAtMs } of live.values()) {
        if (expiresAtMs <= nowMs) continue;
        for (const [index, verifier] of verifiers.entries()) {
          await verifier.verify(token, now).catch(() => refused.push(`t+${(nowMs - firstRotationAt) / 1000}s verifier ${index}`));
        }
      }
    }

    expect(rotations).toBe(3);
    expect(refused).toEqual([]);
    // The run did exercise the rotations: tokens were signed with the first key and with a newer one.
    expect(kidsUsed.size).toBe(3);
  }, 60_000);
});
