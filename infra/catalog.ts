/**
 * The single list of Lambda functions and the HTTP routes they serve. The CDK stack (infra/) and the
 * embedded local gateway (local/) are both driven by it, so the two cannot drift apart. Keep this file
 * free of CDK imports: the local stack and the not-found function load it at run time.
 */
import type { StageThrottle } from './stage-throttle';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `METHOD /path` with `{name}` path parameters, or `$default` for whatever matches no other route. */
export type RouteKey = `${HttpMethod} /${string}` | '$default';

/**
 * What a function may touch. Each kind decides both the function's IAM grants and its environment
 * (infra/constructs/halo-functions.ts): a function gets the variables of exactly the access it declares, and
 * loads at cold start only those (lib/config.ts, one loader per kind).
 */
export interface FunctionAccess {
  /**
   * DynamoDB table: `read` (GetItem/BatchGetItem/Query), `readwrite` (plus Put/Update/Delete), or
   * `read-and-upload-grants` (read, plus PutItem/DeleteItem of upload grant items only: their partition key).
   */
  readonly table?: 'read' | 'readwrite' | 'read-and-upload-grants';
  /**
   * The signing keys: `sign` (the private key set: issue and verify tokens) for the functions that issue
   * tokens only, `verify` (the public key set only) for those that check them, `rotate` for the rotation
   * function (writes both). Whoever runs code in a `verify` function cannot mint a token.
   */
  readonly signingKey?: 'sign' | 'verify' | 'rotate';
  /**
   * The avatar bucket: `read` (GetObject, to presign GETs), `presign-uploads` (PutObject on uploads/*,
   * which a presigned POST is signed with), `readwrite` (Get/Put/Delete objects and List).
   */
  readonly bucket?: 'read' | 'presign-uploads' | 'readwrite';
  /** `execute-api:ManageConnections` on Halo's WebSocket API (send to and close sockets). */
  readonly connections?: 'manage';
  /**
   * The service's public base URL (the OAuth issuer): to issue or verify tokens, make avatar URLs or publish
   * the OAuth metadata. No AWS resource, so no grant: only the ISSUER variable.
   */
  readonly issuer?: 'read';
}

export interface WebSocketRouteSpec {
  /** `$connect`, `$disconnect`, `$default`, or an `action` value (route selection: `$request.body.action`). */
  readonly route: string;
  /** API Gateway route response: the function's returned body is sent back on the socket. */
  readonly returnResponse?: boolean;
}

/** npm packages with native code that a function may declare (see FunctionSpec.nativeModules). */
export type NativeModule = 'sharp';

/**
 * Runs a function on a timer: an EventBridge rule with `rate(<n> minutes)` on AWS (infra/constructs/function-schedules.ts),
 * a timer in the embedded stack (local/schedules.ts). EventBridge fires a rate rule about every period, at least once
 * and possibly more than once, so a scheduled function must be idempotent
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
 */
export interface ScheduleSpec {
  readonly everyMinutes: number;
}

export interface FunctionSpec {
  /** kebab-case; also the file name under functions/. */
  readonly name: string;
  readonly description: string;
  readonly routes: readonly RouteKey[];
  readonly websocketRoutes?: readonly WebSocketRouteSpec[];
  /** Key prefixes of the avatar bucket whose ObjectCreated events invoke this function. */
  readonly bucketEvents?: readonly string[];
  readonly access: FunctionAccess;
  /** Lambda CPU grows with memory; the password-hashing functions get more so argon2id stays fast. */
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  /**
   * Packages with native binaries, which esbuild cannot bundle: on AWS they are installed next to the
   * bundle (its node_modules/) with the binaries for the function's platform (Linux, glibc, its architecture).
   */
  readonly nativeModules?: readonly NativeModule[];
  /**
   * Ships the documentation site (`npm run docs:build`) beside the bundle, in `docs/`, where
   * lib/config.ts docsSiteDirectory() looks for it on Lambda.
   */
  readonly docsSite?: boolean;
  /**
   * Parses phone numbers: ships libphonenumber-js's metadata (`metadata.max.json`, from the installed package)
   * beside the bundle, where lib/config.ts bundledPhoneMetadataFile() looks for it on Lambda.
   */
  readonly phoneMetadata?: boolean;
  /**
   * A throttle of its own for each of its HTTP routes (API Gateway route settings: infra/route-throttles.ts), for the
   * expensive routes, so that a flood of one kind of request is refused on its route while every other route
   * still has the whole stage throttle. Never more than the stage's (it is capped at the stage's values).
   */
  readonly routeThrottle?: StageThrottle;
  /**
   * Executions reserved for this function when the deploy option `reservedConcurrency` is on (off by default:
   * infra/reserved-concurrency.ts says why). For a function behind a route throttle it is that route's burst, so
   * the route's 429 refuses a flood before Lambda would throttle an accepted request.
   */
  readonly reservedConcurrency?: number;
  /** Invoked on a schedule, with EventBridge's scheduled event, and by nothing else. */
  readonly schedule?: ScheduleSpec;
}

/**
 * Lambda gives a function one full vCPU at 1,769 MB and a proportional share below; argon2id (hash-wasm) is
 * single-threaded CPU work, so at 1,024 MB (~0.58 vCPU) every login pays ~1.7x the KDF's time. At 1,769 MB a
 * login answers ~35% sooner for ~13% more GB-seconds (the KDF's GB-seconds do not change with memory below
 * one vCPU; only the DynamoDB waits are billed at the higher rate): about $0.25 more per million logins
 * (docs/performance.md, part 5). More than 1,769 MB would buy a second vCPU the KDF cannot use.
 */
const PASSWORD_HASHING_MEMORY_MB = 1769;
/** Image decoding and re-encoding (sharp) wants memory and the CPU that comes with it. */
const IMAGE_PROCESSING_MEMORY_MB = 1024;

/**
 * Per-route throttles of the expensive routes (rate: requests a second, burst: the bucket's size), sized by what
 * each request costs; docs/deploy-aws.md ("Throttling") gives the arithmetic. Concurrency ≈ rate × duration:
 * - a password KDF run (~0.2–0.4 s at 1,769 MB): sign-up at 10/s holds ~4 executions, logins and the token
 *   endpoint at 50/s ~20 each, and their bursts (20, 100) are what an instant can start at once;
 * - an image decode at 1 GB (~0.5–2 s): 20 uploads or forms a second hold ~40 executions of 1 GB.
 * Sign-up is rare next to login (each is an account), hence its lower rate.
 */
const SIGN_UP_THROTTLE: StageThrottle = { rateLimit: 10, burstLimit: 20 };
const PASSWORD_THROTTLE: StageThrottle = { rateLimit: 50, burstLimit: 100 };
const IMAGE_THROTTLE: StageThrottle = { rateLimit: 20, burstLimit: 40 };
/** A password change runs the KDF twice (verify, hash) and is rare next to logins: sign-up's rate. */
const PASSWORD_CHANGE_THROTTLE: StageThrottle = { rateLimit: 10, burstLimit: 20 };

/** What a function gets unless its spec says otherwise, on AWS and in the embedded stack alike. */
export const FUNCTION_DEFAULTS = { memoryMb: 256, timeoutSeconds: 10 } as const;

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'register',
    description: 'Creates an account and its first session',
    routes: ['POST /api/register'],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'sign' },
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
    phoneMetadata: true,
    routeThrottle: SIGN_UP_THROTTLE,
    reservedConcurrency: SIGN_UP_THROTTLE.burstLimit,
  },
  {
    name: 'login',
    description: 'Starts a session for an identifier and password',
    routes: ['POST /api/login'],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'sign' },
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
    phoneMetadata: true,
    routeThrottle: PASSWORD_THROTTLE,
    reservedConcurrency: PASSWORD_THROTTLE.burstLimit,
  },
  {
    name: 'refresh',
    description: 'Rotates a refresh token into a new token pair',
    routes: ['POST /api/refresh'],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'sign', connections: 'manage' },
  },
  {
    name: 'get-user',
    description: "Returns the caller's profile",
    routes: ['GET /api/user'],
    access: { issuer: 'read', table: 'read', signingKey: 'verify' },
  },
  {
    name: 'export-user',
    description: 'Exports everything Halo stores about the caller (GDPR Art. 20)',
    routes: ['GET /api/user/export'],
    access: { issuer: 'read', table: 'read', signingKey: 'verify' },
  },
  {
    name: 'change-password',
    description: "Changes the caller's password and ends every other session",
    routes: ['POST /api/user/password'],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'verify', connections: 'manage' },
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
    // The login back-off parses the account's identifier (a phone number needs the metadata).
    phoneMetadata: true,
    // No reserved concurrency: changes are rare, and its route throttle already holds a flood to ~8 executions.
    routeThrottle: PASSWORD_CHANGE_THROTTLE,
  },
  {
    name: 'list-sessions',
    description: "Lists the caller's live sessions (devices)",
    routes: ['GET /api/user/sessions'],
    access: { issuer: 'read', table: 'read', signingKey: 'verify' },
  },
  {
    name: 'end-sessions',
    description: "Ends one of the caller's sessions, or all but the caller's, and closes their sockets",
    routes: ['DELETE /api/user/sessions/{sessionId}', 'DELETE /api/user/sessions'],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'verify', connections: 'manage' },
  },
  {
    name: 'upload-avatar',
    description: 'Judges, normalises and stores an uploaded avatar (multipart or raw image body)',
    routes: ['POST /api/user/avatar'],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'verify', bucket: 'readwrite' },
    nativeModules: ['sharp'],
    memoryMb: IMAGE_PROCESSING_MEMORY_MB,
    timeoutSeconds: 15,
    routeThrottle: IMAGE_THROTTLE,
    reservedConcurrency: IMAGE_THROTTLE.burstLimit,
  },
  {
    name: 'create-avatar-upload',
    description: 'Presigns a direct-to-S3 avatar upload (browser form POST) and records its upload grant',
    routes: ['POST /api/user/avatar/upload'],
    // It writes (and may withdraw) the upload grant the S3 event's function checks (lib/avatars/issue-upload.ts),
    // and no other item: IAM holds its writes to the grants' partition keys.
    access: { issuer: 'read', table: 'read-and-upload-grants', signingKey: 'verify', bucket: 'presign-uploads' },
    routeThrottle: IMAGE_THROTTLE,
  },
  {
    name: 'get-avatar',
    description: 'Public avatar URL: redirects to a short-lived presigned S3 URL',
    routes: ['GET /avatars/{userId}/{version}'],
    access: { table: 'read', bucket: 'read' },
  },
  {
    name: 'delete-user',
    description: 'Deletes the account and everything of it: items, objects, sockets',
    routes: ['DELETE /api/user'],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'verify', bucket: 'readwrite', connections: 'manage' },
    timeoutSeconds: 30,
  },
  {
    name: 'add-identifier',
    description: 'Adds a nickname, email or phone number to the caller\'s account and tells its sockets',
    routes: ['POST /api/user/identifiers'],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'verify', connections: 'manage' },
    phoneMetadata: true,
  },
  {
    name: 'remove-identifier',
    description: 'Removes one of the caller\'s identifiers (never the last) and tells its sockets',
    routes: ['DELETE /api/user/identifiers/{identifier}'],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'verify', connections: 'manage' },
    phoneMetadata: true,
  },
  {
    name: 'finish-deletions',
    description: 'Scheduled: finishes every account deletion that stopped midway (objects, items, sockets, the user item)',
    routes: [],
    // What deleteAccount touches, nothing more: no signing key (it verifies no token) and no issuer.
    access: { table: 'readwrite', bucket: 'readwrite', connections: 'manage' },
    // A run of 50 deletions (DELETIONS_PER_RUN) takes about a minute (each waits a second for the index, and its
    // sockets' deadlines); it stops taking new ones 30 s before its time is up, leaving them to the next run.
    timeoutSeconds: 300,
    // Overlapping runs (EventBridge's at-least-once, a slow run) only repeat idempotent work.
    schedule: { everyMinutes: 15 },
  },
  {
    name: 'avatar-events',
    description: 'S3 ObjectCreated: judges direct uploads, announces new avatars to the sockets',
    routes: [],
    bucketEvents: ['uploads/', 'avatars/'],
    access: { issuer: 'read', table: 'readwrite', bucket: 'readwrite', connections: 'manage' },
    nativeModules: ['sharp'],
    memoryMb: IMAGE_PROCESSING_MEMORY_MB,
    timeoutSeconds: 30,
    // Invoked asynchronously by S3: past its reservation Lambda queues and retries the event (for up to 6 hours),
    // so a flood of direct uploads waits its turn instead of taking executions from logins.
    reservedConcurrency: 20,
  },
  {
    name: 'ws-connect',
    description: 'WebSocket $connect: authenticates the access token and records the connection',
    routes: [],
    websocketRoutes: [{ route: '$connect' }],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'verify' },
  },
  {
    name: 'ws-disconnect',
    description: 'WebSocket $disconnect: forgets the connection',
    routes: [],
    websocketRoutes: [{ route: '$disconnect' }],
    access: { table: 'readwrite' },
  },
  {
    name: 'ws-message',
    description: 'WebSocket messages: answers pings, explains anything else',
    routes: [],
    websocketRoutes: [
      { route: 'ping', returnResponse: true },
      { route: '$default', returnResponse: true },
    ],
    access: { table: 'readwrite', connections: 'manage' },
  },
  {
    name: 'oauth-token',
    description: 'RFC 6749 token endpoint (password and refresh_token grants)',
    routes: ['POST /oauth/token'],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'sign', connections: 'manage' },
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
    phoneMetadata: true,
    routeThrottle: PASSWORD_THROTTLE,
    reservedConcurrency: PASSWORD_THROTTLE.burstLimit,
  },
  {
    name: 'oauth-revoke',
    description: 'RFC 7009 token revocation',
    routes: ['POST /oauth/revoke'],
    access: { issuer: 'read', table: 'readwrite', signingKey: 'verify', connections: 'manage' },
  },
  {
    name: 'oauth-metadata',
    description: 'RFC 8414 authorization server metadata',
    routes: ['GET /.well-known/oauth-authorization-server'],
    access: { issuer: 'read' },
  },
  {
    name: 'jwks',
    description: 'Public signing keys (JWK Set)',
    routes: ['GET /.well-known/jwks.json'],
    access: { signingKey: 'verify' },
  },
  {
    name: 'docs',
    description: 'The API reference: HTML pages and the OpenAPI and AsyncAPI specifications (npm run docs:build), and the demo app at /demo',
    routes: ['GET /docs', 'GET /docs/{file}', 'GET /demo'],
    access: {},
    docsSite: true,
  },
  {
    name: 'not-found',
    description: 'JSend 404/405 for every request no route matches',
    routes: ['$default'],
    access: {},
  },
  {
    name: 'rotate-signing-key',
    description: 'Secrets Manager rotation: publishes a new ES256 signing key before it signs, keeps the keys of live tokens',
    routes: [],
    access: { signingKey: 'rotate' },
  },
];

/**
 * The deployed Lambda's name, `<stack name>-<catalog name>` (e.g. `Halo-register`): set explicitly by the
 * CDK stack, and what the Docker set-up's gateway (local/gateway.ts) invokes through the Lambda API.
 */
export const deployedFunctionName = (stackName: string, fn: Pick<FunctionSpec, 'name'>): string => `${stackName}-${fn.name}`;

/** Lambda's limit on a function name. */
export const MAX_FUNCTION_NAME_LENGTH = 64;

export const HTTP_ROUTES = FUNCTIONS.flatMap((fn) => fn.routes.map((route) => ({ route, fn })));

export const WEBSOCKET_ROUTES = FUNCTIONS.flatMap((fn) => (fn.websocketRoutes ?? []).map((spec) => ({ ...spec, fn })));

export const SCHEDULED_FUNCTIONS = FUNCTIONS.flatMap((fn) => (fn.schedule ? [{ schedule: fn.schedule, fn }] : []));

export const BUCKET_EVENT_SUBSCRIPTIONS = FUNCTIONS.flatMap((fn) => (fn.bucketEvents ?? []).map((prefix) => ({ prefix, fn })));

/** Where the local stack serves the WebSocket API (on AWS it has a URL of its own, a stack output). */
export const LOCAL_WEBSOCKET_PATH = '/ws';

/**
 * The WebSocket API's one stage: part of the socket URL on AWS (`wss://…/live`), of the `@connections` endpoint
 * and its IAM resource, and the `requestContext.stage` of every WebSocket event, the local gateway's included.
 */
export const WEBSOCKET_STAGE_NAME = 'live';

/** CORS for browser apps: tokens travel in the Authorization header, never in cookies, so any origin may call. */
export const CORS = {
  allowOrigins: ['*'],
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as HttpMethod[],
  allowHeaders: ['authorization', 'content-type'],
  exposeHeaders: ['www-authenticate', 'retry-after'],
  maxAgeSeconds: 600,
};
