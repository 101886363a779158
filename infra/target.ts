import { Architecture } from 'aws-cdk-lib/aws-lambda';

/**
 * Where the CDK app deploys to. One app, two targets:
 *
 * - `aws` (the default): the production shape. HTTP API and WebSocket API in front of the functions,
 *   Graviton (arm64), alarms, access logs, the signing key rotated by Secrets Manager on a schedule.
 * - `localstack`: what `docker compose up` deploys into LocalStack's free image, which runs Lambda,
 *   DynamoDB, S3 (and its notifications), Secrets Manager and CloudFormation but not API Gateway v2.
 *   So the template has no APIs at all: the compose `gateway` service (local/gateway.ts) serves the
 *   same HTTP API, WebSocket API and `@connections` endpoint and invokes the functions by name.
 */
export type TargetName = 'aws' | 'localstack';
export const TARGET_NAMES: readonly TargetName[] = ['aws', 'localstack'];

export interface AwsTarget {
  readonly kind: 'aws';
  /** A custom domain's https base URL, used as ISSUER instead of the HTTP API's execute-api endpoint. */
  readonly publicBaseUrl?: string;
  /** Subscribed by email to an SNS topic that every alarm notifies; without it the alarms notify no one. */
  readonly alarmEmail?: string;
}

export interface LocalStackTarget {
  readonly kind: 'localstack';
  /** Where people reach the compose gateway: ISSUER, the OAuth issuer, and the base of avatar URLs. */
  readonly publicBaseUrl: string;
  /** The gateway's `@connections` endpoint as LocalStack's Lambda containers reach it (WEBSOCKET_CONNECTIONS_ENDPOINT). */
  readonly connectionsEndpoint: string;
  /** LocalStack's S3 as the Lambda containers reach it (S3_ENDPOINT). */
  readonly s3Endpoint: string;
  /** LocalStack's S3 as browsers reach it: presigned URLs name this host (S3_PUBLIC_ENDPOINT). */
  readonly s3PublicEndpoint: string;
  /** The machine's own: LocalStack runs each function in a container of the function's architecture, emulated if foreign. */
  readonly architecture: Architecture;
}

export type HaloTarget = AwsTarget | LocalStackTarget;

/** On AWS, always Graviton: cheaper per GB-second than x86_64, and the functions have no x86-only code. */
export const AWS_ARCHITECTURE = Architecture.ARM_64;

/**
 * The LocalStack target's defaults: the values docker-compose.yml (and .env.example) use. `gateway` and
 * `localstack` are compose service names, which LocalStack's Lambda containers resolve because LocalStack
 * starts them on the compose network (LAMBDA_DOCKER_NETWORK).
 */
export const LOCALSTACK_DEFAULTS = {
  publicBaseUrl: 'http://localhost:3000',
  connectionsEndpoint: 'http://gateway:3000',
  s3Endpoint: 'http://localstack:4566',
  s3PublicEndpoint: 'http://localhost:4566',
} as const;

/** Reads one option: the context value (`-c name=value`) if given, else the environment variable; undefined when empty. */
export type OptionReader = (contextKey: string, envName: string) => string | undefined;

/** Every option this module reads, as `[context key, environment variable]`, and the targets it applies to. */
export const TARGET_OPTIONS = {
  target: ['target', 'HALO_TARGET'],
  publicBaseUrl: ['publicBaseUrl', 'HALO_PUBLIC_BASE_URL'],
  alarmEmail: ['alarmEmail', 'HALO_ALARM_EMAIL'],
  connectionsEndpoint: ['connectionsEndpoint', 'HALO_CONNECTIONS_ENDPOINT'],
  s3Endpoint: ['s3Endpoint', 'HALO_S3_ENDPOINT'],
  s3PublicEndpoint: ['s3PublicEndpoint', 'HALO_S3_PUBLIC_ENDPOINT'],
  lambdaArchitecture: ['lambdaArchitecture', 'HALO_LAMBDA_ARCHITECTURE'],
} as const satisfies Record<string, readonly [string, string]>;

type OptionName = keyof typeof TARGET_OPTIONS;
const ONLY_FOR: Partial<Record<OptionName, TargetName>> = {
  alarmEmail: 'aws',
  connectionsEndpoint: 'localstack',
  s3Endpoint: 'localstack',
  s3PublicEndpoint: 'localstack',
  lambdaArchitecture: 'localstack',
};

const ARCHITECTURES: Readonly<Record<string, Architecture>> = { arm64: Architecture.ARM_64, x86_64: Architecture.X86_64 };

/** Node's name for the CPU (`process.arch`) → the Lambda architecture that runs natively on it. */
export function nativeArchitecture(arch: string = process.arch): Architecture {
  return arch === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64;
}

/**
 * The target and its settings, from context or environment. Refuses, at synth, anything that would
 * only fail at deploy or at a cold start: an unknown target, a malformed URL, an option the chosen
 * target does not use (a sign of a mixed-up configuration).
 */
export function targetFrom(read: OptionReader, machineArch: string = process.arch): HaloTarget {
  const option = (name: OptionName) => {
    const [contextKey, envName] = TARGET_OPTIONS[name];
    return read(contextKey, envName);
  };
  const kind = option('target') ?? 'aws';
  if (!TARGET_NAMES.includes(kind as TargetName)) throw new Error(`target must be one of ${TARGET_NAMES.join(', ')}, got "${kind}"`);

  for (const [name, only] of Object.entries(ONLY_FOR) as [OptionName, TargetName][]) {
    if (only !== kind && option(name) !== undefined) {
      const [contextKey, envName] = TARGET_OPTIONS[name];
      throw new Error(`${contextKey} (${envName}) applies to the ${only} target only, and this synth is for ${kind}`);
    }
  }

  if (kind === 'aws') {
    const raw = option('publicBaseUrl');
    const alarmEmail = option('alarmEmail');
    // A rough check, enough to catch a swapped value; SNS itself confirms the address by email.
    if (alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail)) throw new Error(`alarmEmail must be an email address, got "${alarmEmail}"`);
    return {
      kind: 'aws',
      // https only: RFC 8414 §2 requires it of an OAuth issuer.
      publicBaseUrl: raw === undefined ? undefined : baseUrl('publicBaseUrl', raw, ['https:']),
      alarmEmail,
    };
  }

  const architectureName = option('lambdaArchitecture');
  const architecture = architectureName === undefined ? nativeArchitecture(machineArch) : ARCHITECTURES[architectureName];
  if (!architecture) throw new Error(`lambdaArchitecture must be one of ${Object.keys(ARCHITECTURES).join(', ')}, got "${architectureName}"`);
  const url = (name: 'publicBaseUrl' | 'connectionsEndpoint' | 's3Endpoint' | 's3PublicEndpoint') =>
    baseUrl(name, option(name) ?? LOCALSTACK_DEFAULTS[name], ['http:', 'https:']);
  return {
    kind: 'localstack',
    publicBaseUrl: url('publicBaseUrl'),
    connectionsEndpoint: url('connectionsEndpoint'),
    s3Endpoint: url('s3Endpoint'),
    s3PublicEndpoint: url('s3PublicEndpoint'),
    architecture,
  };
}

/** Same normalisation as lib/config.ts (no trailing slash); refused here so a typo fails the synth, not every cold start. */
function baseUrl(name: string, raw: string, protocols: string[]): string {
  const url = raw.replace(/\/+$/, '');
  if (!URL.canParse(url) || !protocols.includes(new URL(url).protocol)) {
    throw new Error(`${name} must be an absolute ${protocols.map((p) => `${p}//`).join(' or ')} URL, got "${raw}"`);
  }
  const { pathname, search, hash } = new URL(url);
  if (pathname !== '/' || search || hash) throw new Error(`${name} must be a base URL (scheme, host, port), got "${raw}"`);
  return url;
}
