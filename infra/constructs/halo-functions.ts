import type { WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { FUNCTIONS, type FunctionAccess, type FunctionSpec } from '../catalog';
import { HaloFunction } from './halo-function';
import { AVATAR_BUCKET_PREFIXES } from './halo-state';

export const SERVICE_NAME = 'halo';
export const LOG_LEVEL = 'INFO';

/**
 * Exactly the item calls lib/storage makes. No Scan (no request path scans), no DescribeTable, no
 * stream reads: grantReadData/grantReadWriteData would add all three.
 */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

export interface AvatarBucketRef {
  /** Built from the stack name, account and region, never from the bucket resource (see HaloState.avatarBucketName). */
  readonly name: string;
  readonly arn: string;
}

export interface HaloFunctionsProps {
  readonly table: ITableV2;
  readonly signingKey: ISecret;
  readonly avatarBucket: AvatarBucketRef;
  /** The WebSocket API's stage: its `@connections` endpoint goes to every function, ManageConnections on it to those that declare it. */
  readonly webSocketStage: WebSocketStage;
  /** Public base URL: the `iss` of every token and the base of every URL in the OAuth metadata. */
  readonly issuer: string;
}

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

/**
 * One HaloFunction per catalog entry, each granted exactly what its `access` says and nothing else:
 * a function that declares no access gets a role with only the basic logging permissions.
 */
export class HaloFunctions extends Construct {
  readonly byName: ReadonlyMap<string, HaloFunction>;

  constructor(scope: Construct, id: string, { table, signingKey, avatarBucket, webSocketStage, issuer }: HaloFunctionsProps) {
    super(scope, id);

    // Read by lib/config.ts at cold start (via functions/common/runtime.ts), which fails if any is missing.
    // Names and ARNs are not secrets: a function without access to a resource cannot use them.
    // S3_ENDPOINT / S3_PUBLIC_ENDPOINT / DYNAMODB_ENDPOINT are for the local stack only: unset, the SDK uses AWS.
    const runtimeConfig = {
      TABLE_NAME: table.tableName,
      ISSUER: issuer,
      SIGNING_KEY_SECRET_ID: signingKey.secretArn,
      AVATAR_BUCKET: avatarBucket.name,
      WEBSOCKET_CONNECTIONS_ENDPOINT: webSocketStage.callbackUrl,
      LOG_LEVEL,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    };
    // The rotation function is called by Secrets Manager with the secret's id and never loads
    // runtime.ts, so it needs none of the above (and stays independent of the table and the APIs).
    const rotationConfig = { LOG_LEVEL, POWERTOOLS_SERVICE_NAME: SERVICE_NAME };

    const objects = (prefix: string) => `${avatarBucket.arn}/${prefix}*`;
    const allow = (fn: HaloFunction, actions: string[], resources: string[]) => fn.addToRolePolicy(new PolicyStatement({ actions, resources }));
    const grants: GrantTable = {
      table: {
        // On the table and its indexes (Query runs on the byUser index).
        read: (fn) => table.grant(fn, ...TABLE_READ_ACTIONS),
        readwrite: (fn) => table.grant(fn, ...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS),
      },
      signingKey: {
        read: (fn) => signingKey.grantRead(fn),
        // Granted by SigningKeyRotation, which knows the exact rotation calls.
        rotate: () => undefined,
      },
      bucket: {
        // Presigning a GET of an avatar signs with the function's own GetObject permission.
        read: (fn) => allow(fn, ['s3:GetObject'], [objects(AVATAR_BUCKET_PREFIXES.avatars)]),
        // A presigned POST can only ever write what the signer may: PutObject under uploads/.
        'presign-uploads': (fn) => allow(fn, ['s3:PutObject'], [objects(AVATAR_BUCKET_PREFIXES.uploads)]),
        readwrite: (fn) => {
          allow(fn, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], [objects('')]);
          // ListObjectsV2 (deleting everything of a user); also turns a missing key's 403 into a 404.
          allow(fn, ['s3:ListBucket'], [avatarBucket.arn]);
        },
      },
      connections: {
        // execute-api:ManageConnections on this API's stage only: …:<apiId>/live/*/@connections/*.
        manage: (fn) => webSocketStage.grantManagementApiAccess(fn),
      },
    } satisfies Grants;

    const byName = new Map<string, HaloFunction>();
    for (const spec of FUNCTIONS) {
      // Looked up first, so an unknown access fails before anything is built for it.
      const granters = Object.entries(spec.access)
        .filter(([, level]) => level !== undefined)
        .map(([resource, level]) => grantFor(grants, spec, resource, level));
      const fn = new HaloFunction(this, constructIdOf(spec), {
        spec,
        environment: spec.access.signingKey === 'rotate' ? rotationConfig : runtimeConfig,
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
