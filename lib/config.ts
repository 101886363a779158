import { DEFAULT_LIMITS, type AbuseLimits } from './throttling/limits';

/**
 * The one place that reads the environment. A function's runtime modules (functions/common/runtime/) load,
 * at module scope, the settings of each capability they use, so a missing or malformed variable fails the
 * cold start loudly instead of the first request quietly, and only in the functions that need it.
 */

export type SigningKeySource =
  | { kind: 'file'; path: string } // embedded default: a JSON file in the data folder
  | { kind: 'secret'; secretId: string }; // AWS: a Secrets Manager secret, rotated by its own function

/** Where the verifiers' public key set is: a file beside the private one locally, a second secret on AWS. */
export type PublicKeySetSource = { kind: 'file'; path: string } | { kind: 'secret'; secretId: string };

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
  /** A session's absolute lifetime from its login (default 90 days): refresh fails after it (ASVS 3.3.2). */
  readonly sessionAbsoluteLifetimeSeconds: number;
  /**
   * Live sessions one user may have (default 50): a login past it ends the oldest. Counted through the byUser
   * index, which is eventually consistent: a burst of logins may pass it briefly, and the next login trims back.
   */
  readonly maxSessionsPerUser: number;
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
  /** Login back-off, sign-up, socket and upload-form limits (docs/design.md, "Abuse limits"); every one has a default. */
  readonly limits: AbuseLimits;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * Every environment variable the functions read, named once: infra/constructs/halo-functions.ts sets them
 * from a function's catalog access, local/embedded-stack.ts for the embedded stack, and the loaders below read them.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  region: 'AWS_REGION',
  issuer: 'ISSUER',
  audience: 'ACCESS_TOKEN_AUDIENCE',
  accessTokenTtlSeconds: 'ACCESS_TOKEN_TTL_SECONDS',
  refreshTokenTtlSeconds: 'REFRESH_TOKEN_TTL_SECONDS',
  refreshReuseGraceSeconds: 'REFRESH_REUSE_GRACE_SECONDS',
  sessionAbsoluteLifetimeSeconds: 'SESSION_ABSOLUTE_LIFETIME_SECONDS',
  maxSessionsPerUser: 'MAX_SESSIONS_PER_USER',
  defaultClientId: 'DEFAULT_CLIENT_ID',
  signingKeyFile: 'SIGNING_KEY_FILE',
  signingKeySecretId: 'SIGNING_KEY_SECRET_ID',
  publicKeySetFile: 'PUBLIC_KEY_SET_FILE',
  publicKeySetSecretId: 'PUBLIC_KEY_SET_SECRET_ID',
  avatarBucket: 'AVATAR_BUCKET',
  s3Endpoint: 'S3_ENDPOINT',
  s3PublicEndpoint: 'S3_PUBLIC_ENDPOINT',
  connectionsEndpoint: 'WEBSOCKET_CONNECTIONS_ENDPOINT',
  docsDir: 'DOCS_DIR',
  webSocketUrl: 'WEBSOCKET_URL',
  stalledDeletionAfterSeconds: 'STALLED_DELETION_AFTER_SECONDS',
} as const;

/** Reads variables and collects every problem, so that one ConfigError names them all. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  optional(name: string): string | undefined {
    return this.env[name]?.trim() || undefined;
  }
  required(name: string): string {
    const value = this.optional(name);
    if (!value) this.problems.push(`${name} is not set`);
    return value ?? '';
  }
  seconds(name: string, fallback: number): number {
    const raw = this.optional(name);
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) this.problems.push(`${name} must be a positive whole number of seconds, got "${raw}"`);
    return value;
  }
  count(name: string, fallback: number): number {
    const raw = this.optional(name);
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) this.problems.push(`${name} must be a positive whole number, got "${raw}"`);
    return value;
  }
  url(name: string): string {
    const raw = this.required(name);
    const value = raw.replace(/\/+$/, '');
    // Checked on what is left: "/" would otherwise strip to "" and pass as no URL at all.
    if (raw && !URL.canParse(value)) this.problems.push(`${name} must be an absolute URL, got "${raw}"`);
    return value;
  }
  region(): string {
    return this.optional(ENV.region) || 'us-east-1';
  }
}

/** One capability's settings, or a ConfigError naming every problem with them. */
function load<T>(read: (reader: Reader) => T, env: Env): T {
  const reader = new Reader(env);
  const value = read(reader);
  if (reader.problems.length > 0) throw new ConfigError(`Halo cannot start: ${reader.problems.join('; ')}`);
  return value;
}

// The capabilities, one per kind of catalog access (infra/catalog.ts): a function loads, at cold start, only
// the ones its runtime modules use, so it fails for a missing variable only if it needs it. Plain functions,
// so that a bundle keeps only the loaders it calls.

const readTable = (r: Reader) => ({
  tableName: r.required(ENV.tableName),
  dynamodbEndpoint: r.optional(ENV.dynamodbEndpoint),
  region: r.region(),
});
const readIssuer = (r: Reader) => ({ issuer: r.url(ENV.issuer) });
const readTokens = (r: Reader) => {
  const { issuer } = readIssuer(r);
  return {
    issuer,
    audience: r.optional(ENV.audience) || issuer,
    accessTokenTtlSeconds: accessTokenTtl(r),
    refreshTokenTtlSeconds: r.seconds(ENV.refreshTokenTtlSeconds, 30 * 24 * 60 * 60),
    refreshReuseGraceSeconds: graceSeconds(r.optional(ENV.refreshReuseGraceSeconds), r.problems),
    sessionAbsoluteLifetimeSeconds: r.seconds(ENV.sessionAbsoluteLifetimeSeconds, 90 * 24 * 60 * 60),
    maxSessionsPerUser: r.count(ENV.maxSessionsPerUser, 50),
    defaultClientId: r.optional(ENV.defaultClientId) || 'halo-public-client',
  };
};
const readSigningKey = (r: Reader): { signingKey: SigningKeySource; region: string } => {
  const keyFile = r.optional(ENV.signingKeyFile);
  const keySecret = r.optional(ENV.signingKeySecretId);
  if (!keyFile === !keySecret) r.problems.push(`set exactly one of ${ENV.signingKeyFile} and ${ENV.signingKeySecretId}`);
  return { signingKey: keyFile ? { kind: 'file', path: keyFile } : { kind: 'secret', secretId: keySecret ?? '' }, region: r.region() };
};
const readPublicKeySet = (r: Reader): { publicKeySet: PublicKeySetSource; region: string } => {
  const file = r.optional(ENV.publicKeySetFile);
  const secret = r.optional(ENV.publicKeySetSecretId);
  if (!file === !secret) r.problems.push(`set exactly one of ${ENV.publicKeySetFile} and ${ENV.publicKeySetSecretId}`);
  return { publicKeySet: file ? { kind: 'file', path: file } : { kind: 'secret', secretId: secret ?? '' }, region: r.region() };
};
const readBucket = (r: Reader) => ({
  avatars: {
    bucket: r.required(ENV.avatarBucket),
    s3Endpoint: r.optional(ENV.s3Endpoint),
    s3PublicEndpoint: r.optional(ENV.s3PublicEndpoint) || r.optional(ENV.s3Endpoint),
  },
  region: r.region(),
});
const readConnections = (r: Reader) => ({ connectionsEndpoint: r.url(ENV.connectionsEndpoint), region: r.region() });
const readLimits = (r: Reader) => ({ limits: abuseLimits(r) });

/** The table (access `table`): its name, and the endpoint when it is not AWS's. */
export function loadTableConfig(env: Env = process.env) {
  return load(readTable, env);
}
/** The service's public base URL (access `issuer`): the OAuth issuer, the base of avatar URLs. */
export function loadIssuerConfig(env: Env = process.env) {
  return load(readIssuer, env);
}
/** Issuing and verifying tokens: the issuer, the audience and the lifetimes. */
export function loadTokenConfig(env: Env = process.env) {
  return load(readTokens, env);
}
/** Where the private key set is (access `signingKey: 'sign'`): a file locally, a Secrets Manager secret on AWS. */
export function loadSigningKeyConfig(env: Env = process.env) {
  return load(readSigningKey, env);
}
/**
 * Where the public key set is (access `signingKey: 'verify'`, and the rotation, which writes it): a file
 * locally, a second Secrets Manager secret on AWS.
 */
export function loadPublicKeySetConfig(env: Env = process.env) {
  return load(readPublicKeySet, env);
}
/** The avatar bucket (access `bucket`), and the S3 endpoints when they are not AWS's. */
export function loadBucketConfig(env: Env = process.env) {
  return load(readBucket, env);
}
/** The WebSocket API's `@connections` endpoint (access `connections`). */
export function loadConnectionsConfig(env: Env = process.env) {
  return load(readConnections, env);
}
/**
 * How old an unfinished deletion must be before the scheduled finisher takes it on (default: its own,
 * lib/accounts/finish-deletions.ts STALLED_AFTER_MS). Tests shorten it; anything shorter than delete-user's timeout
 * would let the finisher race a DELETE still running (harmless, every step is idempotent, but wasted work).
 */
export function loadDeletionFinisherConfig(env: Env = process.env): { stalledAfterMs: number | undefined } {
  return load((r) => {
    const seconds = r.optional(ENV.stalledDeletionAfterSeconds) && r.seconds(ENV.stalledDeletionAfterSeconds, 0);
    return { stalledAfterMs: seconds ? seconds * 1000 : undefined };
  }, env);
}

/** The abuse limits: every one has a default. */
export function loadLimitsConfig(env: Env = process.env) {
  return load(readLimits, env);
}

/**
 * The longest access-token lifetime Halo accepts: a retired signing key is kept this long (plus the key-set cache
 * time) after its successor starts signing (lib/tokens/signing-keys.ts KEY_TIMING), so no longer-lived token may exist.
 */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 60 * 60;

function accessTokenTtl(r: Reader): number {
  const value = r.seconds(ENV.accessTokenTtlSeconds, 15 * 60);
  if (value > MAX_ACCESS_TOKEN_TTL_SECONDS) r.problems.push(`${ENV.accessTokenTtlSeconds} must be at most ${MAX_ACCESS_TOKEN_TTL_SECONDS}, got "${value}"`);
  return value;
}

/**
 * 0 (strict RFC 9700 reuse detection) to 300. Okta allows 0–60 s (30 s default), Supabase 10 s; longer
 * than a few minutes stops being "a lost answer or two racing tabs" and becomes a replay window.
 */
export const MAX_REFRESH_REUSE_GRACE_SECONDS = 300;

function graceSeconds(text: string | undefined, problems: string[]): number {
  if (!text) return 30;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > MAX_REFRESH_REUSE_GRACE_SECONDS) {
    problems.push(`${ENV.refreshReuseGraceSeconds} must be a whole number of seconds from 0 to ${MAX_REFRESH_REUSE_GRACE_SECONDS}, got "${text}"`);
  }
  return value;
}

/** Every capability at once, as the embedded stack and the tests check a whole environment. */
export function loadConfig(env: Env = process.env): Config {
  return load(
    (r): Config => ({ ...readTable(r), ...readTokens(r), ...readSigningKey(r), ...readBucket(r), ...readConnections(r), ...readLimits(r) }),
    env,
  );
}

function abuseLimits(r: Reader): AbuseLimits {
  const count = (name: string, fallback: number) => r.count(name, fallback);
  const seconds = (name: string, fallback: number) => r.seconds(name, fallback);
  const problems = r.problems;
  const { login, registration, sockets, uploadForms } = DEFAULT_LIMITS;
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
    uploadForms: {
      perUser: count('UPLOAD_FORMS_PER_USER', uploadForms.perUser),
      windowSeconds: seconds('UPLOAD_FORM_WINDOW_SECONDS', uploadForms.windowSeconds),
    },
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
  const explicit = env[ENV.docsDir]?.trim();
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
  const value = env[ENV.webSocketUrl]?.trim();
  if (!value || !URL.canParse(value)) return undefined;
  return /^wss?:$/.test(new URL(value).protocol) ? value : undefined;
}
