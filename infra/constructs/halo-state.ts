import { Aws, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BY_USER_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '#lib/storage/table-design';

/**
 * The bucket layout of lib/avatars/avatar-objects.ts (the infra tests check they agree). Repeated rather than
 * imported: that module pulls the S3 SDK and image libraries into every synth.
 */
export const AVATAR_BUCKET_PREFIXES = { uploads: 'uploads/', avatars: 'avatars/' } as const;

/** Raw direct uploads are judged within seconds; one left after a day was abandoned (or refused) and only costs. */
export const ABANDONED_UPLOAD_DAYS = 1;

/**
 * What the direct-upload form and avatar fetches need: a browser POSTs the presigned form from any
 * origin, and may fetch() an avatar after get-avatar's redirect. The same rule as local/local-s3.ts.
 */
export const AVATAR_BUCKET_CORS = {
  allowedOrigins: ['*'],
  allowedMethods: [HttpMethods.POST, HttpMethods.GET],
  allowedHeaders: ['*'],
  maxAge: 3000,
};

/** The longest region name (e.g. `ap-southeast-5`, `eu-isoe-west-1`) with room to spare; bucket names stop at 63 characters. */
const LONGEST_REGION = 16;

/** Server access logs of the avatar bucket are kept this long: long enough to look into an incident reported late. */
export const ACCESS_LOG_DAYS = 90;

export interface HaloStateProps {
  /** Keep the table (and refuse to delete it) and the buckets when the stack goes away. Off only for throwaway stacks. */
  readonly retainData: boolean;
  /**
   * Record every request to the avatar bucket (S3 server access logs) in a log bucket of its own. On AWS;
   * the LocalStack target leaves it out (nothing reads the logs there, and one bucket less to create).
   */
  readonly accessLogs: boolean;
}

/**
 * The stateful half: what must survive a redeploy. Construct ids here are part of the CloudFormation
 * logical ids; renaming one replaces the resource (a new, empty table), so they must not change.
 */
export class HaloState extends Construct {
  readonly table: TableV2;
  readonly signingKey: Secret;
  /** The public key set (no private member), written by the rotation, read by the functions that only verify. */
  readonly publicKeySet: Secret;
  readonly avatarBucket: Bucket;
  /** Where S3 delivers the avatar bucket's server access logs (`accessLogs`), else undefined. */
  readonly accessLogBucket: Bucket | undefined;
  /**
   * The bucket's name and ARN, built from the stack name, account and region rather than taken from the
   * bucket resource. Everything that points at the bucket from the functions' side (their environment,
   * their policies, S3's invoke permission) uses these: the bucket's notification configuration refers
   * to the functions, so a reference back to the bucket resource would be a dependency cycle.
   */
  readonly avatarBucketName: string;
  readonly avatarBucketArn: string;

  constructor(scope: Construct, id: string, { retainData, accessLogs }: HaloStateProps) {
    super(scope, id);

    // Mirrors createTableInput() in lib/storage/table-design.ts, which the embedded stack and the
    // integration tests use; the infra tests compare the two.
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: BY_USER_INDEX.name,
          partitionKey: { name: BY_USER_INDEX.partitionKey, type: AttributeType.STRING },
          sortKey: { name: BY_USER_INDEX.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
      ],
      timeToLiveAttribute: TTL_ATTRIBUTE,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // DynamoDB always encrypts; the AWS managed key makes it explicit and puts key use in CloudTrail.
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: retainData,
      removalPolicy: retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // CloudFormation only ever holds a random placeholder (which parseKeySet rejects, so key-rotation.ts treats it as no key yet);
    // the rotation function writes the first real key set right after creation, so no private key is
    // ever in a template. Not retained: losing it only ends access tokens (minutes), refresh tokens live in the table.
    this.signingKey = new Secret(this, 'SigningKey', {
      description: 'Halo ES256 signing keys (private JWK set), written only by the rotation function',
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // The public halves, for the functions that only verify tokens: they can read this one and never the private
    // set, so code running in them cannot mint a token (docs/design.md, "Signing keys"). Also a placeholder until
    // the first rotation's setSecret step writes it.
    this.publicKeySet = new Secret(this, 'PublicKeySet', {
      description: 'Halo ES256 public key set (public JWKs only), written only by the rotation function',
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.publicKeySet).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: "Public keys, no secret: the signing-key secret's own rotation writes this one in its setSecret step, so it changes with every rotation of the private set.",
    });

    // S3 writes the logs itself, authorised by this bucket's policy (no ACLs: object ownership is enforced).
    // Private and encrypted like the data it describes; the logs expire, so the bucket holds at most ACCESS_LOG_DAYS of them.
    this.accessLogBucket = accessLogs
      ? new Bucket(this, 'AvatarAccessLogs', {
          blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
          objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
          encryption: BucketEncryption.S3_MANAGED,
          enforceSSL: true,
          versioned: false,
          lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(ACCESS_LOG_DAYS) }],
          removalPolicy: retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        })
      : undefined;

    this.avatarBucketName = avatarBucketNameFor(Stack.of(this));
    this.avatarBucketArn = `arn:${Aws.PARTITION}:s3:::${this.avatarBucketName}`;
    // Avatars (avatars/<userId>/<version>.webp) and pending direct uploads (uploads/<userId>/<uploadId>).
    // Nothing in it is public: browsers only ever get short-lived presigned URLs.
    // Its ObjectCreated notifications are set by BucketNotifications, on this bucket's own resource (no custom resource).
    // Not emptied by the stack: CloudFormation deletes only an empty bucket, and autoDeleteObjects would be a
    // custom resource. A retained bucket outlives the stack under the same fixed name, so it must be emptied and
    // deleted by hand (`aws s3 rm s3://<name> --recursive`, then `aws s3 rb`) before the stack can be created again;
    // with retainData false it must be emptied by hand before `cdk destroy`.
    this.avatarBucket = new Bucket(this, 'AvatarBucket', {
      bucketName: this.avatarBucketName,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // One live version per user under a versioned key; old versions are deleted on purpose (account deletion included).
      versioned: false,
      cors: [AVATAR_BUCKET_CORS],
      ...(this.accessLogBucket && { serverAccessLogsBucket: this.accessLogBucket, serverAccessLogsPrefix: 'avatar-bucket/' }),
      lifecycleRules: [
        { id: 'ExpireAbandonedUploads', prefix: AVATAR_BUCKET_PREFIXES.uploads, expiration: Duration.days(ABANDONED_UPLOAD_DAYS) },
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(ABANDONED_UPLOAD_DAYS) },
      ],
      removalPolicy: retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}

/** `<stack name>-avatars-<account>-<region>`, lower-cased: unique per stack, account and region, and known before deploy. */
function avatarBucketNameFor(stack: Stack): string {
  if (Token.isUnresolved(stack.stackName)) throw new Error('the avatar bucket name needs a literal stack name');
  const prefix = `${stack.stackName.toLowerCase()}-avatars`;
  const longest = prefix.length + 1 + 12 + 1 + LONGEST_REGION;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(prefix) || longest > 63) {
    throw new Error(`stack name "${stack.stackName}" makes an invalid or too long avatar bucket name ("${prefix}-<account>-<region>")`);
  }
  return `${prefix}-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}
