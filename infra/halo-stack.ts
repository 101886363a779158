import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FUNCTIONS, LOCAL_WEBSOCKET_PATH } from './catalog';
import { BucketNotifications } from './constructs/bucket-notifications';
import { FunctionSchedules } from './constructs/function-schedules';
import { HaloAlarms } from './constructs/halo-alarms';
import { HaloFunctions, type SocketConnections } from './constructs/halo-functions';
import { HaloHttpApi } from './constructs/halo-http-api';
import { HaloState } from './constructs/halo-state';
import { HaloWebSocketApi } from './constructs/halo-websocket-api';
import { SigningKeyRotation } from './constructs/signing-key-rotation';
import type { StageThrottle } from './stage-throttle';
import { AWS_ARCHITECTURE, type AwsTarget, type HaloTarget, type LocalStackTarget } from './target';

/** The default stack name (the construct id); `stackName` / HALO_STACK_NAME choose another. */
export const STACK_ID = 'Halo';

export interface HaloStackProps extends StackProps {
  /** See HaloStateProps.retainData. */
  readonly retainData: boolean;
  /** AWS (the default) or LocalStack: see infra/target.ts. */
  readonly target?: HaloTarget;
  /** Both API stages' throttle (default: DEFAULT_STAGE_THROTTLE); the LocalStack target has no stages (the compose gateway reads the same setting). */
  readonly stageThrottle?: StageThrottle;
  /** Whether the expensive routes get their own throttles (infra/route-throttles.ts); default true. */
  readonly routeThrottlesOn?: boolean;
  /** Whether functions get the catalog's reserved concurrency (infra/reserved-concurrency.ts); default false. */
  readonly reservedConcurrencyOn?: boolean;
}

/** The APIs of the AWS target; the LocalStack target has none (the compose gateway serves them). */
export interface HaloApis {
  readonly http: HaloHttpApi;
  readonly webSocket: HaloWebSocketApi;
}

/**
 * The whole service. Environment-agnostic on purpose (no account/region, no lookups): `cdk synth`
 * needs no credentials, and one template deploys anywhere. State and service are separate
 * constructs in one stack, so a reference between them is a plain Ref, not a cross-stack export.
 */
export class HaloStack extends Stack {
  readonly target: HaloTarget;
  readonly state: HaloState;
  readonly functions: HaloFunctions;
  /** Undefined for the LocalStack target. */
  readonly apis: HaloApis | undefined;
  readonly alarms: HaloAlarms | undefined;

  constructor(scope: Construct, id: string, { retainData, target = { kind: 'aws' }, stageThrottle, routeThrottlesOn, reservedConcurrencyOn, ...props }: HaloStackProps) {
    super(scope, id, props);
    this.target = target;
    const onAws = target.kind === 'aws';

    this.state = new HaloState(this, 'State', { retainData, accessLogs: onAws });

    // Functions only reference the APIs' ids and endpoints; routes reference functions. No cycle.
    let front: FrontDoor;
    if (target.kind === 'aws') {
      this.apis = {
        http: new HaloHttpApi(this, 'Http', { throttle: stageThrottle, routeThrottlesOn }),
        webSocket: new HaloWebSocketApi(this, 'WebSocket', { throttle: stageThrottle }),
      };
      front = awsFrontDoor(this.apis, target);
    } else {
      this.apis = undefined;
      front = localStackFrontDoor(target);
    }

    const avatarBucket = { name: this.state.avatarBucketName, arn: this.state.avatarBucketArn };
    this.functions = new HaloFunctions(this, 'Functions', {
      table: this.state.table,
      signingKey: this.state.signingKey,
      publicKeySet: this.state.publicKeySet,
      avatarBucket,
      connections: front.connections,
      issuer: front.issuer,
      architecture: target.kind === 'aws' ? AWS_ARCHITECTURE : target.architecture,
      s3Endpoints: target.kind === 'localstack' ? { internal: target.s3Endpoint, public: target.s3PublicEndpoint } : undefined,
      webSocketUrl: front.webSocketUrl,
      reservedConcurrencyOn,
    });
    if (this.apis) {
      this.apis.http.addCatalogRoutes(this.functions);
      this.apis.webSocket.addCatalogRoutes(this.functions);
    }
    // The bucket refers to the functions it notifies; they name it by its fixed name (see HaloState).
    new BucketNotifications(this, 'AvatarBucketNotifications', { bucket: this.state.avatarBucket, bucketRef: avatarBucket, functions: this.functions });

    // The scheduled functions (finish-deletions): EventBridge rules, on AWS and LocalStack alike.
    new FunctionSchedules(this, 'Schedules', { functions: this.functions });

    // The catalog marks the rotation function by its access, not by name; there must be exactly one.
    const rotators = FUNCTIONS.filter((spec) => spec.access.signingKey === 'rotate');
    if (rotators.length !== 1 || !rotators[0]) throw new Error(`expected one function with signingKey: 'rotate', found ${rotators.length}`);
    new SigningKeyRotation(this, 'SigningKeyRotation', {
      secret: this.state.signingKey,
      publicKeySet: this.state.publicKeySet,
      rotationFunction: this.functions.get(rotators[0].name),
      schedule: onAws,
    });

    this.alarms =
      this.apis && target.kind === 'aws'
        ? new HaloAlarms(this, 'Alarms', { functions: this.functions, httpApi: this.apis.http.api, alarmEmail: target.alarmEmail })
        : undefined;

    // Stable names: deploy scripts and tools read outputs by name, so these must not be renamed.
    new CfnOutput(this, 'HttpApiUrl', { value: front.httpUrl, description: front.httpUrlDescription });
    new CfnOutput(this, 'IssuerUrl', { value: front.issuer, description: 'Public base URL and OAuth issuer' });
    new CfnOutput(this, 'DocsUrl', { value: Fn.join('', [front.httpUrl, '/docs']), description: 'The API reference (HTML), served by the docs function' });
    new CfnOutput(this, 'WebSocketUrl', { value: front.webSocketUrl, description: 'URL of the live notifications socket' });
    new CfnOutput(this, 'TableName', { value: this.state.table.tableName });
    new CfnOutput(this, 'SigningKeySecretArn', { value: this.state.signingKey.secretArn });
    new CfnOutput(this, 'AvatarBucketName', { value: this.state.avatarBucketName, description: 'Avatar bucket (not emptied by the stack: empty it by hand before deleting)' });
    if (this.state.accessLogBucket) {
      new CfnOutput(this, 'AccessLogBucketName', { value: this.state.accessLogBucket.bucketName, description: "The avatar bucket's server access logs" });
    }
    if (this.alarms?.topic) new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn, description: 'SNS topic every alarm notifies' });
  }
}

interface FrontDoor {
  readonly issuer: string;
  readonly connections: SocketConnections;
  readonly httpUrl: string;
  readonly httpUrlDescription: string;
  readonly webSocketUrl: string;
}

function awsFrontDoor(apis: HaloApis, target: AwsTarget): FrontDoor {
  return {
    issuer: target.publicBaseUrl ?? apis.http.api.apiEndpoint,
    connections: {
      endpoint: apis.webSocket.connectionsEndpoint,
      grantManage: (fn) => apis.webSocket.grantManageConnections(fn),
    },
    httpUrl: apis.http.api.apiEndpoint,
    httpUrlDescription: 'execute-api endpoint of the HTTP API',
    webSocketUrl: apis.webSocket.url,
  };
}

/**
 * In LocalStack the compose `gateway` service is the front door: it serves the HTTP API at the public
 * URL, the socket at /ws, and `@connections` (which it does not authorise by IAM, so there is nothing
 * to grant). The functions reach it by its compose service name.
 */
function localStackFrontDoor(target: LocalStackTarget): FrontDoor {
  return {
    issuer: target.publicBaseUrl,
    connections: { endpoint: target.connectionsEndpoint, grantManage: () => undefined },
    httpUrl: target.publicBaseUrl,
    httpUrlDescription: 'The HTTP API, served by the compose gateway service',
    webSocketUrl: `${target.publicBaseUrl.replace(/^http/, 'ws')}${LOCAL_WEBSOCKET_PATH}`,
  };
}
