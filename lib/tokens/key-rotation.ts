import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { InvalidKeySetError, parseKeySet, rotateKeySet, toSigningKeys, type KeySet } from './signing-keys';

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/**
 * The four steps of a Secrets Manager rotation for the signing-key secret. CloudFormation only creates
 * the secret with a random placeholder; the first rotation (run at deploy) writes the first real key,
 * so no private key ever appears in a template. Each step is idempotent, as Secrets Manager may retry it.
 */
export async function rotateSigningKeySecret(
  client: SecretsManagerClient,
  { secretId, token, step }: { secretId: string; token: string; step: RotationStep },
): Promise<void> {
  switch (step) {
    case 'createSecret': {
      if (await readVersion(client, secretId, { VersionId: token, VersionStage: 'AWSPENDING' })) return;
      const current = await readVersion(client, secretId, { VersionStage: 'AWSCURRENT' });
      const next = await rotateKeySet(current);
      await client.send(
        new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: JSON.stringify(next), VersionStages: ['AWSPENDING'] }),
      );
      return;
    }
    case 'setSecret':
      return; // nothing outside Secrets Manager holds the key
    case 'testSecret': {
      const pending = await readVersion(client, secretId, { VersionId: token, VersionStage: 'AWSPENDING' });
      if (!pending) throw new Error('the pending signing key set is missing or unreadable');
      await toSigningKeys(pending); // throws if the new key cannot sign
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
