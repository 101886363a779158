import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { rotateSigningKeySecret, type RotationStep } from '#lib/tokens/key-rotation';
import { KEY_TIMING, parseKeySet, parsePublicKeySet, publicKeySetOf, rotateKeySet, toSigningKeys, type KeySet } from '#lib/tokens/signing-keys';
import { fakeSecretsClient, fakeSecretsManager, type FakeSecretsManager } from '#tests/support/fake-secrets-manager';

const SECRET_ID = 'halo-signing-keys';
const PLACEHOLDER = 'Zx8#kQ!placeholder-from-cloudformation';

const PUBLIC_SECRET_ID = 'halo-public-keys';
const publicSecretsFor = new WeakMap<FakeSecretsManager, FakeSecretsManager>();
/** The public key set secret paired with a private one (created with the placeholder on first use). */
const publicOf = (secrets: FakeSecretsManager): FakeSecretsManager => {
  let found = publicSecretsFor.get(secrets);
  if (!found) {
    found = fakeSecretsManager(PUBLIC_SECRET_ID, { p0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
    publicSecretsFor.set(secrets, found);
  }
  return found;
};

const run = (secrets: FakeSecretsManager, token: string, step: RotationStep) =>
  rotateSigningKeySecret(fakeSecretsClient(secrets, publicOf(secrets)), { secretId: SECRET_ID, publicSecretId: PUBLIC_SECRET_ID, token, step });

async function rotateFully(secrets: FakeSecretsManager, token: string) {
  for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await run(secrets, token, step);
}

const stored = (text: string | undefined): KeySet => parseKeySet(text ?? '');

describe('rotateSigningKeySecret', () => {
  describe('createSecret', () => {
    it('writes a first key as AWSPENDING when the current value is the placeholder', async () => {
      const secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
      await run(secrets, 't1', 'createSecret');

      expect(secrets.versionAt('AWSPENDING')).toBe('t1');
      expect(secrets.versionAt('AWSCURRENT')).toBe('v0'); // not live before finishSecret
      const pending = stored(secrets.valueAt('AWSPENDING'));
      expect(pending.keys).toHaveLength(1);
      expect(pending.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256' });
      expect(typeof pending.keys[0]?.d).toBe('string');
    });

    it('puts a new key first, signing only after the publish lead, and keeps the keys that may have signed a live token', async () => {
      const at = (seconds: number) => new Date(seconds * 1000);
      const first = await rotateKeySet(undefined, at(1_000));
      const second = await rotateKeySet(first, at(2_000));
      const secrets = fakeSecretsManager(SECRET_ID, { v1: { secretString: JSON.stringify(second), stages: ['AWSCURRENT'] } });
      await rotateSigningKeySecret(fakeSecretsClient(secrets, publicOf(secrets)), { secretId: SECRET_ID, publicSecretId: PUBLIC_SECRET_ID, token: 't2', step: 'createSecret' }, () => at(2_100));

      const pending = stored(secrets.valueAt('AWSPENDING'));
      expect(pending.keys.slice(1)).toEqual(second.keys); // the second rotation in a row drops nothing still in use
      expect(pending.keys[0]?.activeAt).toBe(2_100 + KEY_TIMING.publishLeadSeconds);
      expect(first.keys[0]?.activeAt).toBe(1_000); // the very first key signs at once: no cache holds an older set
    });

    it('does nothing when this rotation already wrote its pending version', async () => {
      const secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
      await run(secrets, 't1', 'createSecret');
      const firstPending = secrets.valueAt('AWSPENDING');
      await run(secrets, 't1', 'createSecret'); // Secrets Manager retried the step

      expect(secrets.valueAt('AWSPENDING')).toBe(firstPending);
      expect(secrets.sent.filter((name) => name === 'PutSecretValueCommand')).toHaveLength(1);
    });

    it('passes on failures other than a missing version, writing nothing', async () => {
      const sent: unknown[] = [];
      const client = {
        send: async (command: unknown) => {
          sent.push(command);
          throw Object.assign(new Error('not authorised'), { name: 'AccessDeniedException' });
        },
      } as unknown as SecretsManagerClient;
      await expect(rotateSigningKeySecret(client, { secretId: SECRET_ID, publicSecretId: PUBLIC_SECRET_ID, token: 't1', step: 'createSecret' })).rejects.toThrow(
        'not authorised',
      );
      expect(sent).toHaveLength(1);
    });
  });

  describe('setSecret', () => {
    it("publishes the pending set's public keys (and no private member) before the new key is current", async () => {
      const secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
      await run(secrets, 't1', 'createSecret');
      await run(secrets, 't1', 'setSecret');

      const published = publicOf(secrets).valueAt('AWSCURRENT') ?? '';
      expect(parsePublicKeySet(published)).toEqual(publicKeySetOf(stored(secrets.valueAt('AWSPENDING'))));
      expect(published).not.toMatch(/"d"|activeAt/);
      expect(secrets.versionAt('AWSCURRENT')).toBe('v0');
    });

    it('publishes once when Secrets Manager retries the step', async () => {
      const secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
      await run(secrets, 't1', 'createSecret');
      await run(secrets, 't1', 'setSecret');
      await run(secrets, 't1', 'setSecret');
      expect(publicOf(secrets).sent.filter((name) => name === 'PutSecretValueCommand')).toHaveLength(1);
    });

    it('throws, publishing nothing, when there is no pending version', async () => {
      const secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
      await expect(run(secrets, 't1', 'setSecret')).rejects.toThrow('pending signing key set is missing');
      expect(publicOf(secrets).sent).toEqual([]);
    });
  });

  describe('testSecret', () => {
    it('passes when the pending key set can sign', async () => {
      const secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
      await run(secrets, 't1', 'createSecret');
      await expect(run(secrets, 't1', 'testSecret')).resolves.toBeUndefined();
    });

    it('throws when there is no pending version for this rotation', async () => {
      const secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
      await expect(run(secrets, 't1', 'testSecret')).rejects.toThrow('pending signing key set is missing');
    });

    it('throws when the pending key set is unreadable', async () => {
      const secrets = fakeSecretsManager(SECRET_ID, {
        v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] },
        t1: { secretString: '{"keys":[]}', stages: ['AWSPENDING'] },
      });
      await expect(run(secrets, 't1', 'testSecret')).rejects.toThrow('pending signing key set is missing');
    });

    it('throws when the pending key set has no private key', async () => {
      const { keys } = await rotateKeySet(undefined);
      const publicOnly = keys.map((key) => ({ ...key, d: undefined }));
      const secrets = fakeSecretsManager(SECRET_ID, {
        v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] },
        t1: { secretString: JSON.stringify({ keys: publicOnly }), stages: ['AWSPENDING'] },
      });
      await expect(run(secrets, 't1', 'testSecret')).rejects.toThrow('no current private key');
    });
  });

  describe('finishSecret', () => {
    it('moves AWSCURRENT to the new version', async () => {
      const secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
      await run(secrets, 't1', 'createSecret');
      await run(secrets, 't1', 'finishSecret');

      expect(secrets.versionAt('AWSCURRENT')).toBe('t1');
      expect(secrets.versionAt('AWSPREVIOUS')).toBe('v0');
      await expect(toSigningKeys(stored(secrets.valueAt('AWSCURRENT')))).resolves.toMatchObject({ kid: expect.any(String) });
    });

    it('does nothing when the version is already current', async () => {
      const secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
      await rotateFully(secrets, 't1');
      const sentBefore = secrets.sent.length;
      await run(secrets, 't1', 'finishSecret');

      expect(secrets.sent.slice(sentBefore)).toEqual(['DescribeSecretCommand']);
      expect(secrets.versionAt('AWSCURRENT')).toBe('t1');
    });
  });

  it('keeps tokens verifiable across rotations: each current set holds the previous signing key', async () => {
    const secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
    await rotateFully(secrets, 't1');
    const first = stored(secrets.valueAt('AWSCURRENT'));
    await rotateFully(secrets, 't2');
    const second = stored(secrets.valueAt('AWSCURRENT'));

    expect(first.keys).toHaveLength(1);
    expect(second.keys.map((k) => k.kid)).toEqual([second.keys[0]?.kid, first.keys[0]?.kid]);
    expect(secrets.versionAt('AWSCURRENT')).toBe('t2');
  });
});
