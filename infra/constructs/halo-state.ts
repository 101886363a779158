import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BY_USER_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '../../lib/storage/table-design';

export interface HaloStateProps {
  /** Keep the table (and refuse to delete it) when the stack goes away. Off only for throwaway stacks. */
  readonly retainData: boolean;
}

/**
 * The stateful half: what must survive a redeploy. Construct ids here are part of the CloudFormation
 * logical ids; renaming one replaces the resource (a new, empty table), so they must not change.
 */
export class HaloState extends Construct {
  readonly table: TableV2;
  readonly signingKey: Secret;

  constructor(scope: Construct, id: string, { retainData }: HaloStateProps) {
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
  }
}
