import { Stack } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Bucket, CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BUCKET_EVENT_SUBSCRIPTIONS } from '../catalog';
import type { AvatarBucketRef, HaloFunctions } from './halo-functions';

/** What S3 sends for every way an object is created (PUT, form POST, copy, multipart completion). */
export const OBJECT_CREATED_EVENT = 's3:ObjectCreated:*';

export interface BucketNotificationsProps {
  readonly bucket: Bucket;
  /** The bucket's ARN built from its name, not from the resource: see HaloState.avatarBucketName. */
  readonly bucketRef: AvatarBucketRef;
  readonly functions: HaloFunctions;
}

/**
 * ObjectCreated notifications from the avatar bucket, one per BUCKET_EVENT_SUBSCRIPTIONS entry (a
 * key prefix and its function).
 *
 * Set on the bucket resource itself (CfnBucket NotificationConfiguration) rather than with
 * `bucket.addEventNotification()`, which deploys a custom resource (a Lambda that calls
 * PutBucketNotificationConfiguration): LocalStack's community CloudFormation skips custom resources,
 * and the stack needs no helper Lambda of its own.
 *
 * The dependencies that makes: the bucket refers to each function (its ARN) and must be created after
 * S3 may invoke it, since S3 validates every destination when the configuration is written. So the
 * bucket DependsOn each invoke permission, and the permissions (like the functions' environment and
 * policies) name the bucket by its fixed name instead of referring to it, which would be a cycle.
 */
export class BucketNotifications extends Construct {
  constructor(scope: Construct, id: string, { bucket, bucketRef, functions }: BucketNotificationsProps) {
    super(scope, id);

    const cfnBucket = bucket.node.defaultChild as CfnBucket;
    const permissionId = 'InvokedByAvatarBucket';
    for (const name of new Set(BUCKET_EVENT_SUBSCRIPTIONS.map(({ fn }) => fn.name))) {
      const fn = functions.get(name);
      // Only S3, only for this bucket, and only in this account (bucket names are global: a deleted bucket's
      // name could be taken by someone else's).
      fn.addPermission(permissionId, {
        principal: new ServicePrincipal('s3.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        sourceArn: bucketRef.arn,
        sourceAccount: Stack.of(this).account,
      });
      cfnBucket.node.addDependency(fn.permissionsNode.findChild(permissionId));
    }

    cfnBucket.notificationConfiguration = {
      lambdaConfigurations: BUCKET_EVENT_SUBSCRIPTIONS.map(({ prefix, fn }) => ({
        event: OBJECT_CREATED_EVENT,
        function: functions.get(fn.name).functionArn,
        filter: { s3Key: { rules: [{ name: 'prefix', value: prefix }] } },
      })),
    };
  }
}
