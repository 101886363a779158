import { Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Architecture } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { deployedFunctionName, FUNCTIONS, type FunctionAccess, type FunctionSpec } from '../catalog';
import { acknowledgeScopedWildcard } from '../nag';
import { reservedConcurrencyOf } from '../reserved-concurrency';
import { HaloFunction } from './halo-function';
import { ENV } from '#lib/config';
import { abuseCounterKeyPrefix, UPLOAD_GRANT_KEY_PREFIX } from '#lib/storage/table-design';
import { UPLOAD_FORM_COUNTER_SCOPE } from '#lib/throttling/upload-form-throttle';
import { AVATAR_BUCKET_PREFIXES } from './halo-state';

export const SERVICE_NAME = 'halo';
export const LOG_LEVEL = 'INFO';

/**
 * Exactly the item calls lib/storage makes. No Scan (no request path scans), no DescribeTable, no
 * stream reads: grantReadData/grantReadWriteData would add all three.
 */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
/** What handing out a direct-upload form writes: its upload grant (PutItem), withdrawn (DeleteItem) if the user is gone. */
export const UPLOAD_GRANT_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:DeleteItem'];
/** What counting a user's upload-form requests takes (lib/storage/abuse-counters-repository.ts addToWindow). */
export const UPLOAD_FORM_COUNTER_ACTIONS = ['dynamodb:UpdateItem'];

export interface AvatarBucketRef {
  /** Built from the stack name, account and region, never from the bucket resource (see HaloState.avatarBucketName). */
  readonly name: string;
  readonly arn: string;
}

/** The WebSocket API's `@connections` endpoint, and how to let a function use it. */
export interface SocketConnections {
  /** WEBSOCKET_CONNECTIONS_ENDPOINT of the functions whose access says `connections: 'manage'`. */
  readonly endpoint: string;
  /** For the functions whose catalog access says `connections: 'manage'`. */
  grantManage(fn: HaloFunction): void;
}

/** Where the functions' S3 client goes instead of AWS (LocalStack): inside the network, and as browsers reach it. */
export interface S3Endpoints {
  readonly internal: string;
  readonly public: string;
}

export interface HaloFunctionsProps {
  readonly table: ITableV2;
  /** The private key set: readable by the functions that issue tokens (and the rotation) only. */
  readonly signingKey: ISecret;
  /** The public key set: readable by the functions that only verify tokens. */
  readonly publicKeySet: ISecret;
  readonly avatarBucket: AvatarBucketRef;
  readonly connections: SocketConnections;
  /** Public base URL: the `iss` of every token and the base of every URL in the OAuth metadata. */
  readonly issuer: string;
  /** Every function's: decided by the deploy target (infra/target.ts). */
  readonly architecture: Architecture;
  /** Unset on AWS, where the SDK finds S3 itself. */
  readonly s3Endpoints?: S3Endpoints;
  /**
   * The live socket's public URL (the WebSocketUrl output): WEBSOCKET_URL of the function that serves the
   * documentation, whose socket console connects there (lib/config.ts docsWebSocketUrl()).
   */
  readonly webSocketUrl?: string;
  /** Whether each function gets the catalog's reserved concurrency (infra/reserved-concurrency.ts); default false. */
  readonly reservedConcurrencyOn?: boolean;
}

/** Why the table grants name `<table ARN>/index/*` (cdk-nag AwsSolutions-IAM5). */
export const TABLE_INDEX_WILDCARD =
  "Query runs on the byUser index, which IAM names by the table's index ARNs (<table>/index/*); this covers only the indexes of Halo's own table, which has one.";

/** Why object permissions name a key prefix (cdk-nag AwsSolutions-IAM5). */
export const OBJECT_KEY_WILDCARD =
  'Object keys are made per user and per upload (avatars/<userId>/<version>.webp, uploads/<userId>/<id>), so object permissions name a key prefix of the avatar bucket: avatars/ to presign reads, uploads/ to presign direct uploads, the whole bucket only for the functions that judge uploads and delete accounts.';

/** `get-user` → `GetUser`: construct ids (and so logical ids) follow the catalog names. */
export const constructIdOf = (spec: FunctionSpec) => spec.name.replace(/(^|-)(\w)/g, (_match, _dash, letter: string) => letter.toUpperCase());

/** Every kind of access the catalog can declare, with how to grant it: adding a kind to FunctionAccess fails the type check here. */
type Grants = { readonly [R in keyof FunctionAccess]-?: Record<NonNullable<FunctionAccess[R]>, Grant> };
type Grant = (fn: HaloFunction) => void;
type GrantTable = Readonly<Record<string, Readonly<Record<string, Grant>>>>;

/** The grant for one declared access; a kind this stack cannot grant fails the synth, instead of deploying a function that is denied at run time. */
function grantFor(grants: GrantTable, spec: FunctionSpec, resource: string, level: unknown): Grant {
  const byLevel = grants[resource];
  const grant = byLevel && typeof level === 'string' && Object.hasOwn(byLevel, level) ? byLevel[level] : undefined;
  if (!grant) throw new Error(`${spec.name}: infra/ does not know how to grant access "${resource}: ${String(level)}"; add it to HaloFunctions`);
  return grant;
}

/** Every kind of access with the variables it brings, by level: adding a kind to FunctionAccess fails the type check here. */
type Variables = { readonly [R in keyof FunctionAccess]-?: (level: NonNullable<FunctionAccess[R]>) => Record<string, string> };

/**
 * One HaloFunction per catalog entry, each granted exactly what its `access` says and nothing else:
 * a function that declares no access gets a role with only the basic logging permissions.
 */
export class HaloFunctions extends Construct {
  readonly byName: ReadonlyMap<string, HaloFunction>;

  constructor(scope: Construct, id: string, { table, signingKey, publicKeySet, avatarBucket, connections, issuer, architecture, s3Endpoints, webSocketUrl, reservedConcurrencyOn = false }: HaloFunctionsProps) {
    super(scope, id);

    // Each kind of access the catalog declares brings the variables lib/config.ts reads for it (one loader per
    // kind), so a function's environment holds what its access needs and nothing else: `jwks` has no table
    // name, `get-avatar` no issuer. Names and ARNs are not secrets: a function without access to a resource
    // cannot use them. S3_ENDPOINT / S3_PUBLIC_ENDPOINT are set for LocalStack only (its S3 needs path-style
    // URLs, and browsers reach it at another address than the Lambda containers do): unset, the SDK uses AWS.
    // DYNAMODB_ENDPOINT is never set: on AWS the SDK finds DynamoDB itself, and in LocalStack every Lambda
    // container gets AWS_ENDPOINT_URL (LocalStack's own address), which the SDK uses for DynamoDB and Secrets
    // Manager alike. The rotation function (`signingKey: 'rotate'`) is called by Secrets Manager with the
    // private secret's id, so it gets only the public secret's, where it publishes the public key set.
    const variables: Variables = {
      table: () => ({ [ENV.tableName]: table.tableName }),
      issuer: () => ({ [ENV.issuer]: issuer }),
      signingKey: (level): Record<string, string> =>
        level === 'sign' ? { [ENV.signingKeySecretId]: signingKey.secretArn } : { [ENV.publicKeySetSecretId]: publicKeySet.secretArn },
      bucket: () => ({
        [ENV.avatarBucket]: avatarBucket.name,
        ...(s3Endpoints && { [ENV.s3Endpoint]: s3Endpoints.internal, [ENV.s3PublicEndpoint]: s3Endpoints.public }),
      }),
      connections: () => ({ [ENV.connectionsEndpoint]: connections.endpoint }),
    };
    const byKind = variables as unknown as Readonly<Record<string, (level: unknown) => Record<string, string>>>;
    const environmentOf = (spec: FunctionSpec): Record<string, string> => {
      const environment: Record<string, string> = {};
      for (const [kind, level] of Object.entries(spec.access)) {
        if (level !== undefined) Object.assign(environment, byKind[kind]?.(level));
      }
      return { ...environment, LOG_LEVEL, POWERTOOLS_SERVICE_NAME: SERVICE_NAME };
    };

    const objects = (prefix: string) => `${avatarBucket.arn}/${prefix}*`;
    const allow = (fn: HaloFunction, actions: string[], resources: string[]) => fn.addToRolePolicy(new PolicyStatement({ actions, resources }));
    // Each wildcard a grant needs is acknowledged for cdk-nag (AwsSolutions-IAM5) right where it is
    // granted, on that function's role, for that exact resource pattern and with its reason.
    const scopedWildcard = (fn: HaloFunction, resource: string, reason: string) => {
      if (fn.role) acknowledgeScopedWildcard(fn.role, resource, reason);
    };
    const grantTable = (fn: HaloFunction, actions: string[]) => {
      table.grant(fn, ...actions);
      scopedWildcard(fn, `${table.tableArn}/index/*`, TABLE_INDEX_WILDCARD);
    };
    const allowObjects = (fn: HaloFunction, actions: string[], prefix: string) => {
      allow(fn, actions, [objects(prefix)]);
      scopedWildcard(fn, objects(prefix), OBJECT_KEY_WILDCARD);
    };
    const grants: GrantTable = {
      table: {
        // On the table and its indexes (Query runs on the byUser index).
        read: (fn) => grantTable(fn, TABLE_READ_ACTIONS),
        readwrite: (fn) => grantTable(fn, [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS]),
        // Writes only items whose partition key is an upload grant's: dynamodb:LeadingKeys
        // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
        'read-and-upload-grants': (fn) => {
          grantTable(fn, TABLE_READ_ACTIONS);
          fn.addToRolePolicy(
            new PolicyStatement({
              actions: UPLOAD_GRANT_WRITE_ACTIONS,
              resources: [table.tableArn],
              conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${UPLOAD_GRANT_KEY_PREFIX}*`] } },
            }),
          );
          // And its own per-user counter of forms asked for (lib/throttling/upload-form-throttle.ts), no other counter.
          fn.addToRolePolicy(
            new PolicyStatement({
              actions: UPLOAD_FORM_COUNTER_ACTIONS,
              resources: [table.tableArn],
              conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${abuseCounterKeyPrefix(UPLOAD_FORM_COUNTER_SCOPE)}*`] } },
            }),
          );
        },
      },
      signingKey: {
        // Issuers: the private key set (it holds the public halves too, so they verify with it).
        sign: (fn) => signingKey.grantRead(fn),
        // Verifiers: the public key set only; no grant on the private one.
        verify: (fn) => publicKeySet.grantRead(fn),
        // Granted by SigningKeyRotation, which knows the exact rotation calls.
        rotate: () => undefined,
      },
      bucket: {
        // Presigning a GET of an avatar signs with the function's own GetObject permission.
        read: (fn) => allowObjects(fn, ['s3:GetObject'], AVATAR_BUCKET_PREFIXES.avatars),
        // A presigned POST can only ever write what the signer may: PutObject under uploads/.
        'presign-uploads': (fn) => allowObjects(fn, ['s3:PutObject'], AVATAR_BUCKET_PREFIXES.uploads),
        readwrite: (fn) => {
          allowObjects(fn, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], '');
          // ListObjectsV2 (deleting everything of a user); also turns a missing key's 403 into a 404.
          allow(fn, ['s3:ListBucket'], [avatarBucket.arn]);
        },
      },
      connections: {
        // On AWS, execute-api:ManageConnections on this API's stage only: …:<apiId>/live/*/@connections/*.
        manage: (fn) => connections.grantManage(fn),
      },
      // Not an AWS resource: only its variable (above).
      issuer: { read: () => undefined },
    } satisfies Grants;

    const byName = new Map<string, HaloFunction>();
    for (const spec of FUNCTIONS) {
      // Looked up first, so an unknown access fails before anything is built for it.
      const granters = Object.entries(spec.access)
        .filter(([, level]) => level !== undefined)
        .map(([resource, level]) => grantFor(grants, spec, resource, level));
      const fn = new HaloFunction(this, constructIdOf(spec), {
        spec,
        functionName: deployedFunctionName(Stack.of(this).stackName, spec),
        architecture,
        environment: { ...environmentOf(spec), ...(spec.docsSite && webSocketUrl !== undefined && { [ENV.webSocketUrl]: webSocketUrl }) },
        reservedConcurrency: reservedConcurrencyOf(spec, reservedConcurrencyOn),
      });
      for (const grant of granters) grant(fn);
      byName.set(spec.name, fn);
    }
    this.byName = byName;
  }

  get(name: string): HaloFunction {
    const fn = this.byName.get(name);
    if (!fn) throw new Error(`no function named "${name}" in infra/catalog.ts`);
    return fn;
  }
}
