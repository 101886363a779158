import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { PROJECT_ROOT } from '../../infra/constructs/halo-function';
import { LOCALSTACK_DEFAULTS } from '../../infra/target';
import { DOCKER_COMPOSE, needs } from '../support/optional-tools';
import { loadCompose, parseDotEnv, projectFile, references, type ComposeFile, type Service } from './compose-file';

/**
 * docker-compose.yml, checked without a Docker engine: against the Compose Specification's JSON Schema
 * (a vendored copy, see compose-spec/NOTICE.md), and against what the Docker set-up needs to work:
 * pinned images, health checks and start-up order, LocalStack's Lambda on the compose network, the
 * gateway's contract (local/gateway.ts), the deploy target's defaults (infra/target.ts), no secrets,
 * and every setting documented in .env.example with the compose file's own default.
 */
const SCHEMA_FILE = 'tests/deploy/compose-spec/compose_spec.json';
const SCHEMA_SHA256 = '0dc04bd346dcfee1b1419628fff79937bbf076925f298f272a2b490e2b112bac';

const exampleEnv = parseDotEnv(projectFile('.env.example'));
/** What Compose sees with no .env at all: the defaults written in the compose file. */
const compose = loadCompose();
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`no service ${name}`);
  return found;
};
const env = (name: string) => service(name).environment ?? {};
const dependsOn = (name: string) => (service(name).depends_on ?? {}) as Record<string, { condition: string }>;

/** Go durations (`10s`, `1m30s`), as Compose writes intervals and timeouts. */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
/** A port mapping: `[ip:][host:]container[/protocol]`, each port possibly a range. */
const PORTS = /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?((\d+(-\d+)?):)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/;

let compiled: ReturnType<Ajv2019['compile']> | undefined;
function validator() {
  if (compiled) return compiled;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', DURATION);
  // For strings (the file writes every mapping as one); Ajv checks a format against one type only.
  ajv.addFormat('ports', { type: 'string', validate: (value: string) => PORTS.test(value) });
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/);
  // Two leftovers of older drafts that Ajv will not take and that validate nothing: the `$schema` URL of
  // draft 2019-09 in an old spelling (http, with `#`), and draft-04 style `id` annotations ("#/properties/…",
  // which 2019-09 ignores). Compiled as the 2019-09 draft it declares, without them.
  const { $schema: draft, ...schema } = JSON.parse(projectFile(SCHEMA_FILE)) as Record<string, unknown>;
  expect(draft).toBe('http://json-schema.org/draft/2019-09/schema#');
  compiled = ajv.compile(withoutIdAnnotations(schema) as object);
  return compiled;
}

/** The schema without its string-valued `id` keywords (a property named `id` would be an object, and is kept). */
function withoutIdAnnotations(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIdAnnotations);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
        .map(([key, value]) => [key, withoutIdAnnotations(value)]),
    );
  }
  return node;
}

describe('docker-compose.yml against the Compose Specification schema', () => {
  it('uses the vendored schema unchanged (sha256 as in compose-spec/NOTICE.md)', () => {
    expect(createHash('sha256').update(projectFile(SCHEMA_FILE)).digest('hex')).toBe(SCHEMA_SHA256);
    expect(projectFile('tests/deploy/compose-spec/NOTICE.md')).toContain(SCHEMA_SHA256);
  });

  it.each([
    ['without a .env (the defaults in the file)', new Map<string, string>()],
    ['with .env.example copied to .env', exampleEnv],
  ])('is valid %s', (_case, values) => {
    const validate = validator();
    const valid = validate(loadCompose(values));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check has teeth: it refuses an unknown key, a bad condition, a malformed duration or port mapping', () => {
    const validate = validator();
    const broken = (change: (file: ComposeFile & { services: Record<string, Record<string, unknown>> }) => void) => {
      const file = structuredClone(compose) as ComposeFile & { services: Record<string, Record<string, unknown>> };
      change(file);
      return validate(file);
    };
    expect(broken((f) => (f.services.gateway = { ...f.services.gateway, helthcheck: {} }))).toBe(false);
    expect(broken((f) => (f.services.smoke = { ...f.services.smoke, depends_on: { gateway: { condition: 'service_ready' } } }))).toBe(false);
    expect(broken((f) => (f.services.localstack = { ...f.services.localstack, healthcheck: { test: ['CMD', 'true'], interval: '5 seconds' } }))).toBe(false);
    expect(broken((f) => (f.services.gateway = { ...f.services.gateway, ports: ['127.0.0.1:http:3000'] }))).toBe(false);
    expect(broken(() => undefined)).toBe(true);
  });

  it('declares no `version` (obsolete in the Compose Specification)', () => {
    expect(Object.keys(compose)).not.toContain('version');
  });

  // Debian's docker-compose (1.29, `apt-get install docker-compose`) validates against the same schema
  // and also resolves the file as Compose would; it needs no engine for `config`. Skipped where it is missing
  // (the run ends saying so), mandatory under HALO_REQUIRE_ALL_TESTS=1 (tests/support/optional-tools.ts).
  const dockerCompose = needs(DOCKER_COMPOSE, '`docker-compose config` of docker-compose.yml');
  dockerCompose.describe("Debian's docker-compose 1.29", () => {
    it.each([
      ['without a .env', []],
      ['with .env.example as the env file', ['--env-file', join(PROJECT_ROOT, '.env.example')]],
    ])('accepts it with `docker-compose config` %s', (_case, envFile) => {
      const result = spawnSync(dockerCompose.path ?? 'docker-compose', [...envFile, '--project-directory', PROJECT_ROOT, '-f', join(PROJECT_ROOT, 'docker-compose.yml'), 'config', '--quiet'], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: process.env.PATH ?? '' },
      });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    });
  });
});

describe('docker-compose.yml: settings come from .env, with documented defaults', () => {
  const used = references(projectFile('docker-compose.yml'));

  it('documents every variable the compose file uses in .env.example, and nothing it does not use', () => {
    expect([...new Set(used.map((r) => r.name))].sort()).toEqual([...exampleEnv.keys()].sort());
  });

  it('gives every variable a default in the compose file, and .env.example shows that same default', () => {
    for (const { name, fallback } of used) expect({ name, fallback }).toEqual({ name, fallback: exampleEnv.get(name) });
  });

  it('keeps .env out of git and out of the image; .env.example in both', () => {
    const ignored = (file: string) => projectFile(file).split('\n').map((line) => line.trim());
    expect(ignored('.gitignore')).toContain('.env');
    expect(ignored('.dockerignore')).toEqual(expect.arrayContaining(['.env', '.env.*', '!.env.example']));
    expect(ignored('.gitignore')).not.toContain('.env.example');
  });
});

describe('docker-compose.yml: no secret is committed', () => {
  const SECRETISH = /TOKEN|SECRET|PASSWORD|PASSPHRASE|PRIVATE|CREDENTIAL|_KEY/;
  /** LocalStack's documented dummy credentials are the only values allowed under a secret-sounding name. */
  const ALLOWED = new Set(['', 'test']);

  it.each(Object.keys(compose.services))('%s: nothing secret-sounding has a real value', (name) => {
    for (const [variable, value] of Object.entries(env(name))) {
      // A null (`KEY:` with nothing) would make Compose pass the shell's value through: values are always strings here.
      if (SECRETISH.test(variable)) expect({ variable, value: typeof value === 'string' && ALLOWED.has(value) }).toEqual({ variable, value: true });
    }
  });

  it('.env.example leaves LOCALSTACK_AUTH_TOKEN empty, and holds no other secret-sounding value', () => {
    expect(exampleEnv.get('LOCALSTACK_AUTH_TOKEN')).toBe('');
    for (const [variable, value] of exampleEnv) if (SECRETISH.test(variable)) expect({ variable, value }).toEqual({ variable, value: '' });
  });

  it.each(['docker-compose.yml', '.env.example', 'Dockerfile.deploy'])('%s contains nothing shaped like a credential', (file) => {
    const text = projectFile(file);
    for (const pattern of [/ls-[A-Za-z0-9]{16,}/, /AKIA[0-9A-Z]{16}/, /ASIA[0-9A-Z]{16}/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, /aws_secret_access_key\s*=\s*\S{20,}/i]) {
      expect(text).not.toMatch(pattern);
    }
  });
});

describe('docker-compose.yml: images', () => {
  it.each(Object.entries(compose.services))('%s: pinned to a version, never `latest`', (_name, { image }) => {
    expect(image).toBeDefined();
    const tag = /:([^:/@]+)(@sha256:[0-9a-f]{64})?$/.exec(image ?? '')?.[1];
    expect(tag).toBeDefined();
    expect(tag).not.toBe('latest');
  });

  it('runs LocalStack 4.14.0: the last free image that starts without an auth token', () => {
    expect(service('localstack').image).toBe('localstack/localstack:4.14.0');
  });

  it('builds one image from Dockerfile.deploy for the deployer, the gateway and the smoke check', () => {
    for (const name of ['deployer', 'gateway', 'smoke']) {
      expect(service(name).build).toEqual({ context: '.', dockerfile: 'Dockerfile.deploy' });
      expect(service(name).image).toBe('halo-tools:local');
    }
  });

  it.each([
    ['deployer', 'deploy/localstack-deploy.ts'],
    ['gateway', 'local/gateway.ts'],
    ['smoke', 'deploy/smoke.ts'],
  ])('%s runs `npx tsx %s`, which exists', (name, file) => {
    expect(service(name).command).toEqual(['npx', 'tsx', file]);
    expect(existsSync(join(PROJECT_ROOT, file))).toBe(true);
  });
});

describe('docker-compose.yml: start-up order and health', () => {
  it('starts the deployer once LocalStack is healthy', () => {
    expect(dependsOn('deployer')).toEqual({ localstack: { condition: 'service_healthy' } });
  });

  it('starts the gateway only after the deployer finished successfully', () => {
    expect(dependsOn('gateway')).toEqual({ localstack: { condition: 'service_healthy' }, deployer: { condition: 'service_completed_successfully' } });
  });

  it('runs the smoke check once the gateway is healthy', () => {
    expect(dependsOn('smoke')).toEqual({ gateway: { condition: 'service_healthy' } });
  });

  it('has a health check on every service another waits for as healthy, and on no one-shot service', () => {
    const waitedOn = Object.values(compose.services).flatMap(({ depends_on }) =>
      Object.entries((depends_on ?? {}) as Record<string, { condition: string }>).filter(([, d]) => d.condition === 'service_healthy').map(([name]) => name),
    );
    expect([...new Set(waitedOn)].sort()).toEqual(['gateway', 'localstack']);
    for (const name of waitedOn) {
      const check = service(name).healthcheck;
      expect(Array.isArray(check?.test) && check.test.length > 1).toBe(true);
      for (const duration of [check?.interval, check?.timeout, check?.start_period]) expect(duration).toMatch(DURATION);
      expect(check?.retries).toBeGreaterThan(0);
    }
    for (const oneShot of ['deployer', 'smoke']) expect(service(oneShot).healthcheck).toBeUndefined();
  });

  it("checks LocalStack's health endpoint, and the gateway through a route that runs a deployed function", () => {
    expect(service('localstack').healthcheck?.test).toContain('http://localhost:4566/_localstack/health');
    expect(JSON.stringify(service('gateway').healthcheck?.test)).toContain('http://127.0.0.1:3000/.well-known/jwks.json');
  });

  it('never restarts the one-shot services (a failed deploy or smoke check stays failed, visibly)', () => {
    expect(service('deployer').restart ?? 'no').toBe('no');
    expect(service('smoke').restart).toBe('no');
  });

  it('has no dependency cycle', () => {
    const visiting = new Set<string>();
    const visit = (name: string, path: string[]) => {
      expect(path).not.toContain(name);
      if (visiting.has(name)) return;
      visiting.add(name);
      for (const next of Object.keys(dependsOn(name))) visit(next, [...path, name]);
    };
    for (const name of Object.keys(compose.services)) visit(name, []);
  });
});

describe('docker-compose.yml: LocalStack runs the functions on the compose network', () => {
  const network = compose.networks.halo;
  const [ipam] = network?.ipam?.config ?? [];
  const localstackAddress = (service('localstack').networks as Record<string, { ipv4_address?: string }>).halo?.ipv4_address ?? '';

  const toNumber = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const inCidr = (ip: string, cidr: string) => {
    const [base = '', bits = '32'] = cidr.split('/');
    const size = 2 ** (32 - Number(bits));
    return Math.floor(toNumber(ip) / size) === Math.floor(toNumber(base) / size);
  };

  it('mounts the Docker socket (Lambda runs each function in a container)', () => {
    expect(service('localstack').volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
  });

  it('starts Lambda containers on the compose network, by its fixed name, and resolves names through Docker', () => {
    expect(network?.name).toBe('halo');
    expect(env('localstack').LAMBDA_DOCKER_NETWORK).toBe(network?.name);
    expect(env('localstack').DNS_SERVER).toBe('127.0.0.11');
    for (const name of Object.keys(compose.services)) expect(JSON.stringify(service(name).networks)).toContain('halo');
  });

  it('keeps /var/lib/localstack in a named volume', () => {
    const mount = service('localstack').volumes?.find((volume) => volume.endsWith(':/var/lib/localstack'));
    const volume = mount?.split(':')[0] ?? '';
    expect(Object.keys(compose.volumes)).toContain(volume);
  });

  it("gives LocalStack a fixed address inside the subnet, outside the range Docker hands out", () => {
    expect(inCidr(localstackAddress, ipam?.subnet ?? '')).toBe(true);
    expect(inCidr(localstackAddress, ipam?.ip_range ?? '')).toBe(false);
    expect(inCidr((ipam?.ip_range ?? '').split('/')[0] ?? '', ipam?.subnet ?? '')).toBe(true);
  });

  it("points the deployer's AWS endpoints (both, as cdklocal requires) at that address: path-style S3 for the CDK CLI", () => {
    const url = `http://${localstackAddress}:4566`;
    expect(env('deployer')).toMatchObject({ AWS_ENDPOINT_URL: url, AWS_ENDPOINT_URL_S3: url });
    expect(env('deployer').AWS_ENVAR_ALLOWLIST?.split(',')).toEqual(expect.arrayContaining(['AWS_REGION', 'AWS_DEFAULT_REGION']));
  });

  it('publishes LocalStack and the gateway on the chosen interface only (127.0.0.1 by default)', () => {
    expect(service('localstack').ports).toEqual(['127.0.0.1:4566:4566']);
    expect(service('gateway').ports).toEqual(['127.0.0.1:3000:3000']);
    expect(service('deployer').ports).toBeUndefined();
    expect(service('smoke').ports).toBeUndefined();
  });
});

describe('docker-compose.yml: the gateway contract and the deploy target agree', () => {
  it("runs the gateway as local/gateway.ts expects: PORT, HOST, PUBLIC_URL, LAMBDA_ENDPOINT, HALO_STACK_NAME, region, LocalStack's dummy keys", () => {
    expect(env('gateway')).toEqual({
      PORT: '3000',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'http://localhost:3000',
      LAMBDA_ENDPOINT: 'http://localstack:4566',
      HALO_STACK_NAME: 'Halo',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });

  it("deploys with the LocalStack target's own defaults (infra/target.ts), so the template tests test this set-up", () => {
    expect(env('deployer')).toMatchObject({
      HALO_PUBLIC_BASE_URL: LOCALSTACK_DEFAULTS.publicBaseUrl,
      HALO_CONNECTIONS_ENDPOINT: LOCALSTACK_DEFAULTS.connectionsEndpoint,
      HALO_S3_ENDPOINT: LOCALSTACK_DEFAULTS.s3Endpoint,
      HALO_S3_PUBLIC_ENDPOINT: LOCALSTACK_DEFAULTS.s3PublicEndpoint,
    });
  });

  it('tells the functions where the gateway is as the Lambda containers see it: its service name and its port inside', () => {
    const endpoint = new URL(env('deployer').HALO_CONNECTIONS_ENDPOINT ?? '');
    expect(Object.keys(compose.services)).toContain(endpoint.hostname);
    expect(endpoint.port).toBe(env(endpoint.hostname).PORT);
    expect(new URL(env('deployer').HALO_S3_ENDPOINT ?? '').hostname).toBe('localstack');
    expect(new URL(env('gateway').LAMBDA_ENDPOINT ?? '').hostname).toBe('localstack');
  });

  it('uses one public URL, one stack name, one region and one S3 public endpoint across services', () => {
    expect(env('deployer').HALO_PUBLIC_BASE_URL).toBe(env('gateway').PUBLIC_URL);
    expect(env('smoke').PUBLIC_URL).toBe(env('gateway').PUBLIC_URL);
    expect(env('deployer').HALO_STACK_NAME).toBe(env('gateway').HALO_STACK_NAME);
    expect(env('deployer').AWS_REGION).toBe(env('gateway').AWS_REGION);
    expect(env('deployer').HALO_S3_PUBLIC_ENDPOINT).toBe(env('smoke').S3_PUBLIC_ENDPOINT);
  });

  it('publishes LocalStack on the port its public S3 endpoint names, and the gateway on the port of the public URL', () => {
    const published = (name: string) => (service(name).ports?.[0] ?? '').split(':').at(-2);
    expect(published('localstack')).toBe(new URL(env('smoke').S3_PUBLIC_ENDPOINT ?? '').port);
    expect(published('gateway')).toBe(new URL(env('gateway').PUBLIC_URL ?? '').port);
  });

  it('has the smoke check reach the gateway by its service name', () => {
    expect(env('smoke').HALO_URL).toBe('http://gateway:3000');
  });
});
