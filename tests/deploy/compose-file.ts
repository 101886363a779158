import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '#infra/constructs/halo-function';

/**
 * Reading the compose files (docker-compose.yml, docker-compose.embedded.yml) and .env.example as Compose
 * does: variables interpolated from the environment (here: a given map standing in for .env), then parsed.
 * Shared by the Docker set-ups' tests.
 */
export const COMPOSE_FILES = ['docker-compose.yml', 'docker-compose.embedded.yml'] as const;
export type ComposeFileName = (typeof COMPOSE_FILES)[number];

/**
 * The image LocalStack 4.14.0 runs each Lambda runtime in: IMAGE_PREFIX `public.ecr.aws/lambda/` plus
 * IMAGE_MAPPING[runtime] (localstack-core/localstack/services/lambda_/invocation/docker_runtime_executor.py
 * and lambda_/runtimes.py at tag v4.14.0), for the runtimes Halo uses.
 */
export const LOCALSTACK_RUNTIME_IMAGES: Readonly<Record<string, string>> = { 'nodejs22.x': 'public.ecr.aws/lambda/nodejs:22' };

/** The label docker-compose.yml has LocalStack put on every Lambda container (LAMBDA_DOCKER_FLAGS). */
export const LAMBDA_CONTAINER_LABEL = 'halo.localstack-lambda=true';

export const projectFile = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');

/** `.env` syntax: `NAME=value` lines; blank lines and `#` comments ignored. */
export function parseDotEnv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(trimmed);
    if (!match?.[1]) throw new Error(`not a NAME=value line: ${line}`);
    values.set(match[1], match[2] ?? '');
  }
  return values;
}

export interface Reference {
  readonly name: string;
  /** The default written in the compose file (`${NAME:-default}`), if any. */
  readonly fallback: string | undefined;
}

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every variable a text refers to, with its inline default. */
export function references(text: string): Reference[] {
  return [...text.matchAll(REFERENCE)]
    .filter((match) => match[0] !== '$$')
    .map((match) => ({ name: match[1] ?? match[4] ?? '', fallback: match[2]?.endsWith('-') ? match[3] : undefined }));
}

/**
 * Compose's interpolation: `${NAME}`, `$NAME`, `${NAME:-default}` (unset or empty), `${NAME-default}`
 * (unset), `${NAME:?message}` / `${NAME?message}` (required), `$$` for a literal `$`.
 */
export function interpolate(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(REFERENCE, (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare ?? '';
    const value = env.get(name);
    const unset = value === undefined;
    const empty = unset || value === '';
    switch (operator) {
      case ':-':
        return empty ? (argument ?? '') : (value ?? '');
      case '-':
        return unset ? (argument ?? '') : (value ?? '');
      case ':?':
      case '?':
        if (operator === ':?' ? empty : unset) throw new Error(`${name} is required: ${argument}`);
        return value ?? '';
      default:
        return value ?? '';
    }
  });
}

export interface HealthCheck {
  readonly test: string[] | string;
  readonly interval?: string;
  readonly timeout?: string;
  readonly retries?: number;
  readonly start_period?: string;
}

export interface Service {
  readonly image?: string;
  readonly build?: { context: string; dockerfile: string };
  readonly pull_policy?: string;
  readonly command?: string[];
  readonly entrypoint?: string[];
  readonly network_mode?: string;
  readonly stop_grace_period?: string;
  readonly privileged?: boolean;
  readonly user?: string;
  readonly environment?: Record<string, string>;
  readonly ports?: string[];
  readonly volumes?: string[];
  readonly networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  readonly depends_on?: Record<string, { condition: string }> | string[];
  readonly healthcheck?: HealthCheck;
  readonly restart?: string;
  readonly init?: boolean;
}

export interface ComposeFile {
  readonly services: Record<string, Service>;
  readonly networks?: Record<string, { name?: string; ipam?: { config: { subnet: string; ip_range?: string }[] } }>;
  readonly volumes?: Record<string, unknown>;
  readonly [extension: `x-${string}`]: unknown;
}

/** A compose file as Compose sees it with the given environment (an empty map: no .env at all). */
export function loadCompose(env: ReadonlyMap<string, string> = new Map(), file: ComposeFileName = 'docker-compose.yml'): ComposeFile {
  return parse(interpolate(projectFile(file), env)) as ComposeFile;
}

/** The comment lines right above a line of a file that matches `line` (a YAML key, say), joined. */
export function commentAbove(file: string, line: RegExp): string {
  const lines = projectFile(file).split('\n');
  const at = lines.findIndex((text) => line.test(text));
  if (at < 0) throw new Error(`${file}: no line matches ${String(line)}`);
  const comments: string[] = [];
  for (let i = at - 1; i >= 0 && /^\s*#/.test(lines[i] ?? ''); i--) comments.unshift((lines[i] ?? '').replace(/^\s*#\s?/, ''));
  return comments.join(' ');
}
