import { randomUUID } from 'node:crypto';
import { InvokeCommand, type LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { RotationStep } from '#lib/tokens/key-rotation';
import { InvalidKeySetError, parseKeySet } from '#lib/tokens/signing-keys';

/** The four steps Secrets Manager calls a rotation function with, in its order. */
export const ROTATION_STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

/** Whether the secret's current version is a signing key set (rather than CloudFormation's random placeholder). */
export async function holdsKeySet(secrets: SecretsManagerClient, secretId: string): Promise<boolean> {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
  try {
    parseKeySet(SecretString ?? '');
    return true;
  } catch (error) {
    if (error instanceof InvalidKeySetError) return false;
    throw error;
  }
}

/** Invokes the deployed rotation function for one step, with the event Secrets Manager would send; a function error is thrown. */
export async function invokeRotationStep(
  lambda: LambdaClient,
  functionName: string,
  event: { SecretId: string; ClientRequestToken: string; Step: RotationStep },
): Promise<void> {
  const result = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }));
  if (result.FunctionError) {
    const payload = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
    throw new Error(`${functionName} failed at ${event.Step} (${result.FunctionError}): ${payload.slice(0, 500)}`);
  }
}

export interface EnsureSigningKeyOptions {
  readonly lambda: LambdaClient;
  readonly secrets: SecretsManagerClient;
  readonly secretId: string;
  /** The deployed rotation function (`<stack>-rotate-signing-key`). */
  readonly functionName: string;
  /** How long to wait for the function to become Active (LocalStack creates its container on the first call). */
  readonly maxWaitSeconds?: number;
}

/**
 * The first rotation, as Secrets Manager would run it on AWS when CloudFormation creates the rotation
 * schedule: LocalStack's CloudFormation accepts a schedule but never rotates, so the deployer runs the
 * deployed rotation function's four steps itself, with one request token, while the secret still holds
 * the placeholder. Once a key set is there this does nothing, so a second `docker compose up` (or an
 * interrupted one run again) never replaces keys that tokens were signed with.
 */
export async function ensureSigningKey({ lambda, secrets, secretId, functionName, maxWaitSeconds = 180 }: EnsureSigningKeyOptions): Promise<'present' | 'rotated'> {
  if (await holdsKeySet(secrets, secretId)) return 'present';
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: maxWaitSeconds, minDelay: 1, maxDelay: 5 }, { FunctionName: functionName });
  const token = randomUUID();
  for (const step of ROTATION_STEPS) await invokeRotationStep(lambda, functionName, { SecretId: secretId, ClientRequestToken: token, Step: step });
  if (!(await holdsKeySet(secrets, secretId))) throw new Error(`${functionName} ran all four steps, yet ${secretId} still holds no signing key set`);
  return 'rotated';
}
