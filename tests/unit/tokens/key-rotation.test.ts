import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { rotateSigningKeySecret, type RotationStep } from '#lib/tokens/key-rotation';
import { parseKeySet, rotateKeySet, toSigningKeys, type KeySet } from '#lib/tokens/signing-keys';
import { fakeSecretsManager, type FakeSecretsManager } from '#tests/support/fake-secrets-manager';

const SECRET_ID = 'halo-signing-keys';
const PLACEHOLDER = 'Zx8#kQ!placeholder-from-cloudformation';

const run = (secrets: FakeSecretsManager, token: string, step: RotationStep) =>
  rotateSigningKeySecret(secrets.client, { secretId: SECRET_ID, token, step });

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

    it('puts a new current key first and keeps the previous current key', async () => {
      const current = await rotateKeySet(await rotateKeySet(undefined));
      const secrets = fakeSecretsManager(SECRET_ID, { v1: { secretString: JSON.stringify(current), stages: ['AWSCURRENT'] } });
      await run(secrets, 't2', 'createSecret');

      const pending = stored(secrets.valueAt('AWSPENDING'));
      expect(pending.keys).toHaveLength(2);
      expect(pending.keys[1]).toEqual(current.keys[0]);
      expect(pending.keys[0]?.kid).not.toBe(current.keys[0]?.kid);
      expect(pending.keys.map((k) => k.kid)).not.toContain(current.keys[1]?.kid);
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
      await expect(rotateSigningKeySecret(client, { secretId: SECRET_ID, token: 't1', step: 'createSecret' })).rejects.toThrow(
        'not authorised',
      );
      expect(sent).toHaveLength(1);
    });
  });

  describe('setSecret', () => {
    it('touches nothing', async () => {
      const secrets = fakeSecretsManager(SECRET_ID, { v0: { secretString: PLACEHOLDER, stages: ['AWSCURRENT'] } });
      await run(secrets, 't1', 'setSecret');
      expect(secrets.sent).toEqual([]);
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
    await rotateFully(secrets, 't3');
    const third = stored(secrets.valueAt('AWSCURRENT'));

    expect(first.keys).toHaveLength(1);
    expect(second.keys.map((k) => k.kid)).toEqual([second.keys[0]?.kid, first.keys[0]?.kid]);
    expect(third.keys.map((k) => k.kid)).toEqual([third.keys[0]?.kid, second.keys[0]?.kid]);
    expect(secrets.versionAt('AWSCURRENT')).toBe('t3');
  });
});
