import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fileKeySetSource, secretKeySetSource } from '#lib/tokens/key-set-sources';
import { cachedSigningKeys } from '#lib/tokens/signing-keys';
import { loadSigningKeyConfig } from '#lib/config';

/** Where the private key set is (catalog access `signingKey: 'sign'`), read once per cold start. */
const { signingKey, region } = loadSigningKeyConfig();

const keySetSource =
  signingKey.kind === 'file' ? fileKeySetSource(signingKey.path) : secretKeySetSource(new SecretsManagerClient({ region }), signingKey.secretId);

export const signingKeys = cachedSigningKeys(keySetSource);
