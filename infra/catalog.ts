/**
 * The single list of Lambda functions and the HTTP routes they serve. The CDK stack (infra/) and the
 * embedded local gateway (local/) are both driven by it, so the two cannot drift apart. Keep this file
 * free of CDK imports: the local stack and the not-found function load it at run time.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `METHOD /path` with `{name}` path parameters, or `$default` for whatever matches no other route. */
export type RouteKey = `${HttpMethod} /${string}` | '$default';

export interface FunctionAccess {
  /** DynamoDB table: `read` (GetItem/BatchGetItem/Query) or `readwrite` (plus Put/Update/Delete). */
  readonly table?: 'read' | 'readwrite';
  /** The signing-key secret: `read` to sign and verify tokens, `rotate` for the rotation function. */
  readonly signingKey?: 'read' | 'rotate';
}

export interface FunctionSpec {
  /** kebab-case; also the file name under functions/. */
  readonly name: string;
  readonly description: string;
  readonly routes: readonly RouteKey[];
  readonly access: FunctionAccess;
  /** Lambda CPU grows with memory; the password-hashing functions get more so argon2id stays fast. */
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
}

const PASSWORD_HASHING_MEMORY_MB = 1024;

/** What a function gets unless its spec says otherwise, on AWS and in the embedded stack alike. */
export const FUNCTION_DEFAULTS = { memoryMb: 256, timeoutSeconds: 10 } as const;

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'register',
    description: 'Creates an account and its first session',
    routes: ['POST /api/register'],
    access: { table: 'readwrite', signingKey: 'read' },
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
  },
  {
    name: 'login',
    description: 'Starts a session for an identifier and password',
    routes: ['POST /api/login'],
    access: { table: 'readwrite', signingKey: 'read' },
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
  },
  {
    name: 'refresh',
    description: 'Rotates a refresh token into a new token pair',
    routes: ['POST /api/refresh'],
    access: { table: 'readwrite', signingKey: 'read' },
  },
  {
    name: 'get-user',
    description: "Returns the caller's profile",
    routes: ['GET /api/user'],
    access: { table: 'read', signingKey: 'read' },
  },
  {
    name: 'oauth-token',
    description: 'RFC 6749 token endpoint (password and refresh_token grants)',
    routes: ['POST /oauth/token'],
    access: { table: 'readwrite', signingKey: 'read' },
    memoryMb: PASSWORD_HASHING_MEMORY_MB,
  },
  {
    name: 'oauth-revoke',
    description: 'RFC 7009 token revocation',
    routes: ['POST /oauth/revoke'],
    access: { table: 'readwrite', signingKey: 'read' },
  },
  {
    name: 'oauth-metadata',
    description: 'RFC 8414 authorization server metadata',
    routes: ['GET /.well-known/oauth-authorization-server'],
    access: {},
  },
  {
    name: 'jwks',
    description: 'Public signing keys (JWK Set)',
    routes: ['GET /.well-known/jwks.json'],
    access: { signingKey: 'read' },
  },
  {
    name: 'not-found',
    description: 'JSend 404/405 for every request no route matches',
    routes: ['$default'],
    access: {},
  },
  {
    name: 'rotate-signing-key',
    description: 'Secrets Manager rotation: generates a new ES256 signing key, keeps the previous one for verification',
    routes: [],
    access: { signingKey: 'rotate' },
  },
];

export const HTTP_ROUTES = FUNCTIONS.flatMap((fn) => fn.routes.map((route) => ({ route, fn })));

/** CORS for browser apps: tokens travel in the Authorization header, never in cookies, so any origin may call. */
export const CORS = {
  allowOrigins: ['*'],
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as HttpMethod[],
  allowHeaders: ['authorization', 'content-type'],
  exposeHeaders: ['www-authenticate', 'retry-after'],
  maxAgeSeconds: 600,
};
