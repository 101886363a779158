import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnRotationSchedule, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Access tokens live minutes and the previous key keeps verifying after a rotation, so 90 days costs users nothing. */
export const SIGNING_KEY_ROTATION_INTERVAL = Duration.days(90);

/** Exactly what lib/tokens/key-rotation.ts calls, on this one secret. */
export const ROTATION_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
];

/** What the setSecret step calls on the public key set secret: check for its own version, then write it. */
export const PUBLISH_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'];

export interface SigningKeyRotationProps {
  readonly secret: ISecret;
  /** Where the rotation publishes the public key set (PUBLIC_KEY_SET_SECRET_ID, set from the catalog access). */
  readonly publicKeySet: ISecret;
  readonly rotationFunction: IFunction;
  /**
   * Let Secrets Manager run the rotation: at deploy, then every SIGNING_KEY_ROTATION_INTERVAL. On AWS.
   * LocalStack's CloudFormation accepts a rotation schedule but never rotates (its provider is a
   * stub), so the LocalStack target leaves it out and the deployer (deploy/signing-key.ts)
   * runs the function's four steps itself, once, while the secret still holds the placeholder.
   */
  readonly schedule: boolean;
}

/**
 * Rotates the signing-key secret with functions/rotate-signing-key.ts: at deploy (which writes the
 * first real key set over the placeholder) and then on a schedule.
 *
 * Written with the L1 schedule instead of `secret.addRotationSchedule()` because the L2 also grants
 * `secretsmanager:GetRandomPassword` on `*` (our function generates keys itself and never calls it)
 * and lets Secrets Manager invoke the function for any secret in any account. Here the role gets
 * only ROTATION_ACTIONS on this secret, and the invoke permission names this account and this secret.
 */
export class SigningKeyRotation extends Construct {
  constructor(scope: Construct, id: string, { secret, publicKeySet, rotationFunction, schedule }: SigningKeyRotationProps) {
    super(scope, id);

    rotationFunction.addToRolePolicy(new PolicyStatement({ actions: ROTATION_ACTIONS, resources: [secret.secretArn] }));
    rotationFunction.addToRolePolicy(new PolicyStatement({ actions: PUBLISH_ACTIONS, resources: [publicKeySet.secretArn] }));
    if (!schedule) return;

    const invokePermissionId = 'InvokedBySecretsManager';
    rotationFunction.addPermission(invokePermissionId, {
      principal: new ServicePrincipal('secretsmanager.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: Stack.of(this).account,
      sourceArn: secret.secretArn,
    });

    const rotationSchedule = new CfnRotationSchedule(this, 'Schedule', {
      secretId: secret.secretArn,
      rotationLambdaArn: rotationFunction.functionArn,
      rotationRules: { automaticallyAfterDays: SIGNING_KEY_ROTATION_INTERVAL.toDays() },
      // The first rotation runs as soon as CloudFormation creates the schedule: that is what replaces the placeholder.
      rotateImmediatelyOnUpdate: true,
    });
    // Secrets Manager checks that it may invoke the function when the schedule is created.
    rotationSchedule.node.addDependency(rotationFunction.permissionsNode.findChild(invokePermissionId));
  }
}
