import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { loadPublicKeySetConfig } from '#lib/config';
import { rotateSigningKeySecret, type RotationStep } from '#lib/tokens/key-rotation';

const client = new SecretsManagerClient({});
/** Where the rotation publishes the public key set (catalog access `signingKey: 'rotate'`). */
const { publicKeySet } = loadPublicKeySetConfig();
if (publicKeySet.kind !== 'secret') throw new Error('the rotation function publishes to a secret: set PUBLIC_KEY_SET_SECRET_ID');

/** Invoked by Secrets Manager itself (at deploy, then on the rotation schedule); not an HTTP route. */
export const handler = async (event: SecretsManagerRotationEvent): Promise<void> =>
  rotateSigningKeySecret(client, {
    secretId: event.SecretId,
    publicSecretId: publicKeySet.secretId,
    token: event.ClientRequestToken,
    step: event.Step as RotationStep,
  });
