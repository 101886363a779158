import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

interface Version {
  secretString: string;
  stages: string[];
}

export interface FakeSecretsManager {
  readonly secretId: string;
  /** Pass where a SecretsManagerClient is expected: only `send` is used. */
  readonly client: SecretsManagerClient;
  readonly versions: Map<string, Version>;
  /** Names of the commands sent, in order. */
  readonly sent: string[];
  /** The secret string of the version holding `stage`. */
  valueAt(stage: string): string | undefined;
  versionAt(stage: string): string | undefined;
}

const notFound = (message: string) => new ResourceNotFoundException({ message, $metadata: {} });

/**
 * One secret's versions and staging labels, following Secrets Manager's rules: a label is on at most one
 * version, GetSecretValue must match both VersionId and VersionStage when both are given, and moving
 * AWSCURRENT leaves AWSPREVIOUS on the version it came from.
 */
export function fakeSecretsManager(secretId: string, initial: Record<string, Version> = {}): FakeSecretsManager {
  const versions = new Map(Object.entries(initial).map(([id, v]) => [id, { ...v, stages: [...v.stages] }]));
  const sent: string[] = [];
  const versionAt = (stage: string) => [...versions].find(([, v]) => v.stages.includes(stage))?.[0];
  const removeStage = (stage: string) => {
    for (const version of versions.values()) version.stages = version.stages.filter((s) => s !== stage);
  };
  const checkId = (id: string | undefined) => {
    if (id !== secretId) throw notFound(`no secret ${id}`);
  };

  const send = async (command: unknown) => {
    sent.push((command as object).constructor.name);
    if (command instanceof GetSecretValueCommand) {
      const { SecretId, VersionId, VersionStage } = command.input;
      checkId(SecretId);
      const id = VersionId ?? versionAt(VersionStage ?? 'AWSCURRENT');
      const version = id === undefined ? undefined : versions.get(id);
      if (!version || (VersionStage && !version.stages.includes(VersionStage))) throw notFound('no such version');
      return { SecretString: version.secretString, VersionId: id };
    }
    if (command instanceof PutSecretValueCommand) {
      const { SecretId, ClientRequestToken, SecretString, VersionStages = ['AWSCURRENT'] } = command.input;
      checkId(SecretId);
      if (!ClientRequestToken || SecretString === undefined) throw new Error('PutSecretValue needs a token and a value');
      if (versions.has(ClientRequestToken)) throw new Error('ResourceExistsException: version exists');
      for (const stage of VersionStages) removeStage(stage);
      versions.set(ClientRequestToken, { secretString: SecretString, stages: [...VersionStages] });
      return {};
    }
    if (command instanceof DescribeSecretCommand) {
      checkId(command.input.SecretId);
      return { VersionIdsToStages: Object.fromEntries([...versions].map(([id, v]) => [id, [...v.stages]])) };
    }
    if (command instanceof UpdateSecretVersionStageCommand) {
      const { SecretId, VersionStage, MoveToVersionId, RemoveFromVersionId } = command.input;
      checkId(SecretId);
      if (!VersionStage || !MoveToVersionId || !versions.has(MoveToVersionId)) throw new Error('InvalidParameterException');
      const holder = versionAt(VersionStage);
      if (holder !== undefined && holder !== RemoveFromVersionId) {
        throw new Error(`InvalidParameterException: ${VersionStage} is on ${holder}, not on ${RemoveFromVersionId}`);
      }
      removeStage(VersionStage);
      versions.get(MoveToVersionId)?.stages.push(VersionStage);
      if (VersionStage === 'AWSCURRENT' && holder !== undefined) {
        removeStage('AWSPREVIOUS');
        versions.get(holder)?.stages.push('AWSPREVIOUS');
      }
      return {};
    }
    throw new Error(`the fake does not handle ${sent.at(-1)}`);
  };

  return {
    secretId,
    client: { send } as unknown as SecretsManagerClient,
    versions,
    sent,
    valueAt: (stage) => {
      const id = versionAt(stage);
      return id === undefined ? undefined : versions.get(id)?.secretString;
    },
    versionAt,
  };
}

/** One client over several fake secrets (the private and the public key sets), each command sent to the secret it names. */
export function fakeSecretsClient(...secrets: FakeSecretsManager[]): SecretsManagerClient {
  const send = (command: { input: { SecretId?: string } }) => {
    const target = secrets.find((secret) => secret.secretId === command.input.SecretId) ?? secrets[0];
    if (!target) throw new Error('no fake secret');
    return target.client.send(command as never);
  };
  return { send } as unknown as SecretsManagerClient;
}
