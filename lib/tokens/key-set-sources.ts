import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseKeySet, type KeySetSource } from './signing-keys';

/** Embedded default: the launcher generates this file in the data folder on first start. */
export const fileKeySetSource = (path: string): KeySetSource => ({
  read: async () => parseKeySet(await readFile(path, 'utf8')),
});

/** AWS: the secret's current version, written by the rotation function (never by CloudFormation). */
export const secretKeySetSource = (client: SecretsManagerClient, secretId: string): KeySetSource => ({
  async read() {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!SecretString) throw new Error('the signing key secret has no value yet: has its first rotation run?');
    return parseKeySet(SecretString);
  },
});
