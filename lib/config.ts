import { DEFAULT_LIMITS, type AbuseLimits } from './throttling/limits';

/**
 * The one place that reads the environment. Every Lambda calls `loadConfig()` at module scope, so a
 * missing or malformed variable fails the cold start loudly instead of the first request quietly.
 */

export type SigningKeySource =
  | { kind: 'file'; path: string } // embedded default: a JSON file in the data folder
  | { kind: 'secret'; secretId: string }; // AWS: a Secrets Manager secret, rotated by its own function

export interface Config {
  readonly tableName: string;
  /** Unset on AWS; set locally (dynalite) or to point the integration tests at any DynamoDB-compatible endpoint. */
  readonly dynamodbEndpoint: string | undefined;
  readonly region: string;
  /** Public base URL of the service: the OAuth issuer and the `iss` of every access token. */
  readonly issuer: string;
  /** The `aud` of access tokens: the Halo API, identified by its base URL. */
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /**
   * How long a rotated-out refresh token may still be presented by its own client and get the pair its
   * rotation produced, instead of counting as reuse (docs/design.md, "Refresh grace window"). 0 = strict.
   */
  readonly refreshReuseGraceSeconds: number;
  /** `client_id` recorded in tokens when a (public) client does not send one. */
  readonly defaultClientId: string;
  readonly signingKey: SigningKeySource;
  readonly avatars: {
    readonly bucket: string;
    /** Unset on AWS; the local S3 (s3rver) endpoint in the embedded stack. */
    readonly s3Endpoint: string | undefined;
    /** Where browsers reach S3 for presigned URLs, when that differs from `s3Endpoint` (containers). */
    readonly s3PublicEndpoint: string | undefined;
  };
  /** The WebSocket API's `@connections` management endpoint (https://{api}.execute-api.{region}.amazonaws.com/{stage}). */
  readonly connectionsEndpoint: string;
  /** Login back-off, sign-up and socket limits (docs/design.md, "Abuse limits"); every one has a default. */
  readonly limits: AbuseLimits;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];

  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is not set`);
    return value ?? '';
  };
  const seconds = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) problems.push(`${name} must be a positive whole number of seconds, got "${raw}"`);
    return value;
  };
  const count = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) problems.push(`${name} must be a positive whole number, got "${raw}"`);
    return value;
  };
  const url = (name: string): string => {
    const raw = required(name);
    const value = raw.replace(/\/+$/, '');
    // Checked on what is left: "/" would otherwise strip to "" and pass as no URL at all.
    if (raw && !URL.canParse(value)) problems.push(`${name} must be an absolute URL, got "${raw}"`);
    return value;
  };

  const issuer = url('ISSUER');
  const keyFile = env.SIGNING_KEY_FILE?.trim();
  const keySecret = env.SIGNING_KEY_SECRET_ID?.trim();
  if (!keyFile === !keySecret) problems.push('set exactly one of SIGNING_KEY_FILE and SIGNING_KEY_SECRET_ID');

  const config: Config = {
    tableName: required('TABLE_NAME'),
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT?.trim() || undefined,
    region: env.AWS_REGION?.trim() || 'us-east-1',
    issuer,
    audience: env.ACCESS_TOKEN_AUDIENCE?.trim() || issuer,
    accessTokenTtlSeconds: seconds('ACCESS_TOKEN_TTL_SECONDS', 15 * 60),
    refreshTokenTtlSeconds: seconds('REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 60 * 60),
    refreshReuseGraceSeconds: graceSeconds(env.REFRESH_REUSE_GRACE_SECONDS, problems),
    defaultClientId: env.DEFAULT_CLIENT_ID?.trim() || 'halo-public-client',
    signingKey: keyFile ? { kind: 'file', path: keyFile } : { kind: 'secret', secretId: keySecret ?? '' },
    avatars: {
      bucket: required('AVATAR_BUCKET'),
      s3Endpoint: env.S3_ENDPOINT?.trim() || undefined,
      s3PublicEndpoint: env.S3_PUBLIC_ENDPOINT?.trim() || env.S3_ENDPOINT?.trim() || undefined,
    },
    connectionsEndpoint: url('WEBSOCKET_CONNECTIONS_ENDPOINT'),
    limits: abuseLimits(count, seconds, problems),
  };

  if (problems.length > 0) throw new ConfigError(`Halo cannot start: ${problems.join('; ')}`);
  return config;
}

/**
 * 0 (strict RFC 9700 reuse detection) to 300. Okta allows 0–60 s (30 s default), Supabase 10 s; longer
 * than a few minutes stops being "a lost answer or two racing tabs" and becomes a replay window.
 */
export const MAX_REFRESH_REUSE_GRACE_SECONDS = 300;

function graceSeconds(raw: string | undefined, problems: string[]): number {
  const text = raw?.trim();
  if (!text) return 30;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > MAX_REFRESH_REUSE_GRACE_SECONDS) {
    problems.push(`REFRESH_REUSE_GRACE_SECONDS must be a whole number of seconds from 0 to ${MAX_REFRESH_REUSE_GRACE_SECONDS}, got "${text}"`);
  }
  return value;
}

function abuseLimits(
  count: (name: string, fallback: number) => number,
  seconds: (name: string, fallback: number) => number,
  problems: string[],
): AbuseLimits {
  const { login, registration, sockets } = DEFAULT_LIMITS;
  const limits: AbuseLimits = {
    login: {
      freeFailuresPerIdentifierAndSource: count('LOGIN_FREE_FAILURES', login.freeFailuresPerIdentifierAndSource),
      identifierUnderAttackAfter: count('LOGIN_IDENTIFIER_ATTACK_FAILURES', login.identifierUnderAttackAfter),
      freeFailuresPerSource: count('LOGIN_SOURCE_FREE_FAILURES', login.freeFailuresPerSource),
      backoffBaseSeconds: seconds('LOGIN_BACKOFF_BASE_SECONDS', login.backoffBaseSeconds),
      backoffMaxSeconds: seconds('LOGIN_BACKOFF_MAX_SECONDS', login.backoffMaxSeconds),
      failureMemorySeconds: seconds('LOGIN_FAILURE_MEMORY_SECONDS', login.failureMemorySeconds),
    },
    registration: {
      perSource: count('REGISTRATIONS_PER_SOURCE', registration.perSource),
      windowSeconds: seconds('REGISTRATION_WINDOW_SECONDS', registration.windowSeconds),
    },
    sockets: { perUser: count('SOCKETS_PER_USER', sockets.perUser) },
  };
  const { backoffBaseSeconds: base, backoffMaxSeconds: max, failureMemorySeconds: memory } = limits.login;
  if (max < base) problems.push(`LOGIN_BACKOFF_MAX_SECONDS (${max}) must be at least LOGIN_BACKOFF_BASE_SECONDS (${base})`);
  // Forgetting failures before the longest wait is over would reset the back-off before it ever reached its cap.
  if (memory < max) problems.push(`LOGIN_FAILURE_MEMORY_SECONDS (${memory}) must be at least LOGIN_BACKOFF_MAX_SECONDS (${max})`);
  return limits;
}

/**
 * Where the `docs` function finds the built documentation site: `DOCS_DIR` (the embedded stack sets it to
 * dist/docs), else `docs/` beside the Lambda bundle, where the deployment copies it.
 */
export function docsSiteDirectory(env: Env = process.env): string {
  const explicit = env.DOCS_DIR?.trim();
  if (explicit) return explicit;
  return `${(env.LAMBDA_TASK_ROOT?.trim() || '.').replace(/\/+$/, '')}/docs`;
}

/**
 * Where the phone-number metadata (libphonenumber-js's metadata.max.json) is on Lambda: beside the bundle, where
 * the deployment copies it for the functions that parse phone numbers. Undefined elsewhere (embedded stack,
 * tests), where lib/identifiers/phone-numbers.ts reads the installed package's own file.
 */
export function bundledPhoneMetadataFile(env: Env = process.env): string | undefined {
  const root = env.LAMBDA_TASK_ROOT?.trim().replace(/\/+$/, '');
  return root ? `${root}/phone-metadata.max.json` : undefined;
}

/**
 * The live socket's public URL (wss://…), which the `docs` function writes into the pages for the socket
 * console: `WEBSOCKET_URL`, set by the CDK stack on that function. On AWS the WebSocket API is another host
 * than the HTTP API serving the pages, `wss://{api-id}.execute-api.{region}.amazonaws.com/{stage}`
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-wscat.html).
 * Unset locally: the pages then use their own host's /ws. Anything but a ws:// or wss:// URL is ignored.
 */
export function docsWebSocketUrl(env: Env = process.env): string | undefined {
  const value = env.WEBSOCKET_URL?.trim();
  if (!value || !URL.canParse(value)) return undefined;
  return /^wss?:$/.test(new URL(value).protocol) ? value : undefined;
}
