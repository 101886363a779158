import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { InvalidKeySetError, parseKeySet, publicKeySetOf, rotateKeySet, toSigningKeys, type KeySet } from './signing-keys';

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

export interface RotationRequest {
  /** The private key set secret (Secrets Manager's event names it). */
  readonly secretId: string;
  /** The public key set secret the verifiers read: the rotation's setSecret step writes it. */
  readonly publicSecretId: string;
  readonly token: string;
  readonly step: RotationStep;
}

/**
 * The four steps of a Secrets Manager rotation for the signing-key secret. CloudFormation only creates
 * the secrets with a random placeholder; the first rotation (run at deploy) writes the first real key,
 * so no private key ever appears in a template. Each step is idempotent, as Secrets Manager may retry it.
 *
 * The new key is published (setSecret writes the public set, before finishSecret makes the private set
 * current) with an `activeAt` in the future: it signs only once every cache of the key set holds it
 * (lib/tokens/signing-keys.ts KEY_TIMING). `now` is injectable so tests can drive rotations in time.
 */
export async function rotateSigningKeySecret(
  client: SecretsManagerClient,
  { secretId, publicSecretId, token, step }: RotationRequest,
  now: () => Date = () => new Date(),
): Promise<void> {
  switch (step) {
    case 'createSecret': {
      if (await readVersion(client, secretId, { VersionId: token, VersionStage: 'AWSPENDING' })) return;
      const current = await readVersion(client, secretId, { VersionStage: 'AWSCURRENT' });
      const next = await rotateKeySet(current, now());
      await client.send(
        new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: JSON.stringify(next), VersionStages: ['AWSPENDING'] }),
      );
      return;
    }
    case 'setSecret': {
      // Publishes the pending set's public keys (the next key among them) for the verifiers.
      const pending = await readVersion(client, secretId, { VersionId: token, VersionStage: 'AWSPENDING' });
      if (!pending) throw new Error('the pending signing key set is missing or unreadable');
      if (await versionExists(client, publicSecretId, token)) return;
      await client.send(
        new PutSecretValueCommand({ SecretId: publicSecretId, ClientRequestToken: token, SecretString: JSON.stringify(publicKeySetOf(pending)) }),
      );
      return;
    }
    case 'testSecret': {
      const pending = await readVersion(client, secretId, { VersionId: token, VersionStage: 'AWSPENDING' });
      if (!pending) throw new Error('the pending signing key set is missing or unreadable');
      await toSigningKeys({ keys: pending.keys.slice(0, 1) }); // throws if the new key (not yet active) cannot sign
      return;
    }
    default:
      throw new Error(`unknown rotation step "${String(step)}"`);
    case 'finishSecret': {
      const { VersionIdsToStages = {} } = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      const currentVersion = Object.keys(VersionIdsToStages).find((id) => VersionIdsToStages[id]?.includes('AWSCURRENT'));
      if (currentVersion === token) return;
      await client.send(
        new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: currentVersion }),
      );
      return;
    }
  }
}

/** Whether the public secret already has this rotation's version (setSecret retried). */
async function versionExists(client: SecretsManagerClient, secretId: string, versionId: string): Promise<boolean> {
  try {
    await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

/** A version's key set; `undefined` when absent or when it is still CloudFormation's placeholder. */
async function readVersion(
  client: SecretsManagerClient,
  secretId: string,
  version: { VersionId?: string; VersionStage: string },
): Promise<KeySet | undefined> {
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId, ...version }));
    return SecretString ? parseKeySet(SecretString) : undefined;
  } catch (error) {
    if (error instanceof ResourceNotFoundException || error instanceof InvalidKeySetError) {
      return undefined;
    }
    throw error;
  }
}
