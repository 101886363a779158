import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseKeySet, parsePublicKeySet, type KeySetSource, type PublicKeySet } from './signing-keys';

/** Embedded default: the launcher generates this file in the data folder on first start. */
export const fileKeySetSource = (path: string): KeySetSource => ({
  read: async () => parseKeySet(await readFile(path, 'utf8')),
});

/** AWS: the private secret's current version, written by the rotation function (never by CloudFormation). */
export const secretKeySetSource = (client: SecretsManagerClient, secretId: string): KeySetSource => ({
  read: async () => parseKeySet(await currentValue(client, secretId)),
});

/** Embedded default: the public key set file the launcher writes beside the private one. */
export const filePublicKeySetSource = (path: string): KeySetSource<PublicKeySet> => ({
  read: async () => parsePublicKeySet(await readFile(path, 'utf8')),
});

/** AWS: the public key set secret, which the rotation function writes in its setSecret step. */
export const secretPublicKeySetSource = (client: SecretsManagerClient, secretId: string): KeySetSource<PublicKeySet> => ({
  read: async () => parsePublicKeySet(await currentValue(client, secretId)),
});

async function currentValue(client: SecretsManagerClient, secretId: string): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString) throw new Error(`the secret ${secretId} has no value yet: has its first rotation run?`);
  return SecretString;
}
