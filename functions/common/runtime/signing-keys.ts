import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fileKeySetSource, secretKeySetSource } from '#lib/tokens/key-set-sources';
import { cachedSigningKeys } from '#lib/tokens/signing-keys';
import { config } from './config';

const keySetSource =
  config.signingKey.kind === 'file'
    ? fileKeySetSource(config.signingKey.path)
    : secretKeySetSource(new SecretsManagerClient({ region: config.region }), config.signingKey.secretId);

export const signingKeys = cachedSigningKeys(keySetSource);
