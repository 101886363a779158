import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FUNCTIONS } from './catalog';
import { BucketNotifications } from './constructs/bucket-notifications';
import { HaloFunctions } from './constructs/halo-functions';
import { HaloHttpApi } from './constructs/halo-http-api';
import { HaloState } from './constructs/halo-state';
import { HaloWebSocketApi } from './constructs/halo-websocket-api';
import { SigningKeyRotation } from './constructs/signing-key-rotation';

export const STACK_ID = 'Halo';

export interface HaloStackProps extends StackProps {
  /** Public base URL (a custom domain) to use as ISSUER instead of the API's execute-api endpoint. */
  readonly publicBaseUrl?: string;
  /** See HaloStateProps.retainData. */
  readonly retainData: boolean;
}

/**
 * The whole service. Environment-agnostic on purpose (no account/region, no lookups): `cdk synth`
 * needs no credentials, and one template deploys anywhere. State and service are separate
 * constructs in one stack, so a reference between them is a plain Ref, not a cross-stack export.
 */
export class HaloStack extends Stack {
  readonly state: HaloState;
  readonly functions: HaloFunctions;
  readonly httpApi: HaloHttpApi;
  readonly webSocketApi: HaloWebSocketApi;

  constructor(scope: Construct, id: string, { publicBaseUrl, retainData, ...props }: HaloStackProps) {
    super(scope, id, props);

    this.state = new HaloState(this, 'State', { retainData });

    // Functions only reference the APIs' ids and endpoints; routes reference functions. No cycle.
    this.httpApi = new HaloHttpApi(this, 'Http');
    this.webSocketApi = new HaloWebSocketApi(this, 'WebSocket');
    const issuer = publicBaseUrl ?? this.httpApi.api.apiEndpoint;

    const avatarBucket = { name: this.state.avatarBucketName, arn: this.state.avatarBucketArn };
    this.functions = new HaloFunctions(this, 'Functions', {
      table: this.state.table,
      signingKey: this.state.signingKey,
      avatarBucket,
      webSocketStage: this.webSocketApi.stage,
      issuer,
    });
    this.httpApi.addCatalogRoutes(this.functions);
    this.webSocketApi.addCatalogRoutes(this.functions);
    // The bucket refers to the functions it notifies; they name it by its fixed name (see HaloState).
    new BucketNotifications(this, 'AvatarBucketNotifications', { bucket: this.state.avatarBucket, bucketRef: avatarBucket, functions: this.functions });

    // The catalog marks the rotation function by its access, not by name; there must be exactly one.
    const rotators = FUNCTIONS.filter((spec) => spec.access.signingKey === 'rotate');
    if (rotators.length !== 1 || !rotators[0]) throw new Error(`expected one function with signingKey: 'rotate', found ${rotators.length}`);
    new SigningKeyRotation(this, 'SigningKeyRotation', {
      secret: this.state.signingKey,
      rotationFunction: this.functions.get(rotators[0].name),
    });

    // Stable names: deploy scripts and tools read outputs by name, so these must not be renamed.
    new CfnOutput(this, 'HttpApiUrl', { value: this.httpApi.api.apiEndpoint, description: 'execute-api endpoint of the HTTP API' });
    new CfnOutput(this, 'IssuerUrl', { value: issuer, description: 'Public base URL and OAuth issuer' });
    new CfnOutput(this, 'TableName', { value: this.state.table.tableName });
    new CfnOutput(this, 'SigningKeySecretArn', { value: this.state.signingKey.secretArn });
    new CfnOutput(this, 'WebSocketUrl', { value: this.webSocketApi.url, description: 'wss:// URL of the live notifications socket' });
    new CfnOutput(this, 'AvatarBucketName', { value: this.state.avatarBucketName, description: 'Avatar bucket (not emptied by the stack: empty it by hand before deleting)' });
  }
}
