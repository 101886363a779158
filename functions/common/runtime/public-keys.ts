import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { filePublicKeySetSource, secretPublicKeySetSource } from '#lib/tokens/key-set-sources';
import { cachedPublicKeys } from '#lib/tokens/signing-keys';
import { loadPublicKeySetConfig } from '#lib/config';

/** Where the public key set is (catalog access `signingKey: 'verify'`), read once per cold start. */
const { publicKeySet, region } = loadPublicKeySetConfig();

const source =
  publicKeySet.kind === 'file'
    ? filePublicKeySetSource(publicKeySet.path)
    : secretPublicKeySetSource(new SecretsManagerClient({ region }), publicKeySet.secretId);

export const publicKeys = cachedPublicKeys(source);
