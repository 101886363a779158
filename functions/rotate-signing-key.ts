import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { rotateSigningKeySecret, type RotationStep } from '#lib/tokens/key-rotation';

const client = new SecretsManagerClient({});

/** Invoked by Secrets Manager itself (at deploy, then on the rotation schedule); not an HTTP route. */
export const handler = async (event: SecretsManagerRotationEvent): Promise<void> =>
  rotateSigningKeySecret(client, { secretId: event.SecretId, token: event.ClientRequestToken, step: event.Step as RotationStep });
