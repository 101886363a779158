import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '#infra/constructs/halo-function';
import { LOCALSTACK_DEFAULTS } from '#infra/target';
import {
  commentAbove,
  COMPOSE_FILES,
  LAMBDA_CONTAINER_LABEL,
  loadCompose,
  LOCALSTACK_RUNTIME_IMAGES,
  parseDotEnv,
  projectFile,
  references,
  type ComposeFile,
  type Service,
} from './compose-file';
import { composeValidator as validator, DURATION, SCHEMA_FILE, SCHEMA_SHA256, seconds } from './compose-schema';
import { DOCKER_COMPOSE, needs } from '../support/optional-tools';

/**
 * docker-compose.yml, checked without a Docker engine: against the Compose Specification's JSON Schema
 * (a vendored copy, see compose-spec/NOTICE.md), and against what the Docker set-up needs to work:
 * pinned images, health checks and start-up order, LocalStack's Lambda on the compose network, the
 * gateway's contract (local/gateway.ts), the deploy target's defaults (infra/target.ts), no secrets,
 * and every setting documented in .env.example with the compose file's own default.
 * (docker-compose.embedded.yml has its own tests: compose-embedded.test.ts.)
 */
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
/** The services that run the tools image built from Dockerfile.deploy. */
const TOOLS = ['deployer', 'gateway', 'smoke'];
/** The services that run once and exit. */
const ONE_SHOT = ['lambda-runtime', 'deployer', 'smoke'];

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
    expect(broken((f) => (f.services.gateway = { ...f.services.gateway, pull_policy: 'sometimes' }))).toBe(false);
    expect(broken(() => undefined)).toBe(true);
  });

  it('declares no `version` (obsolete in the Compose Specification)', () => {
    expect(Object.keys(compose)).not.toContain('version');
  });

  // Debian's docker-compose (1.29, `apt-get install docker-compose`) validates against the same schema
  // and also resolves the file as Compose would; it needs no engine for `config`. Skipped where it is missing
  // (the run ends saying so), mandatory under HALO_REQUIRE_ALL_TESTS=1 (tests/support/optional-tools.ts).
  const dockerCompose = needs(DOCKER_COMPOSE, '`docker-compose config` of the compose files');
  dockerCompose.describe("Debian's docker-compose 1.29", () => {
    it.each(COMPOSE_FILES.flatMap((file) => [
      [file, 'without a .env', []],
      [file, 'with .env.example as the env file', ['--env-file', join(PROJECT_ROOT, '.env.example')]],
    ]))('accepts %s with `docker-compose config` %s', (file, _case, envFile) => {
      const result = spawnSync(dockerCompose.path ?? 'docker-compose', [...envFile, '--project-directory', PROJECT_ROOT, '-f', join(PROJECT_ROOT, file), 'config', '--quiet'], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: process.env.PATH ?? '' },
      });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    });
  });
});

describe('the compose files: settings come from .env, with documented defaults', () => {
  const used = COMPOSE_FILES.flatMap((file) => references(projectFile(file)));

  it('documents every variable the compose files use in .env.example, and nothing they do not use', () => {
    expect([...new Set(used.map((r) => r.name))].sort()).toEqual([...exampleEnv.keys()].sort());
  });

  it('gives every variable a default in the compose files, and .env.example shows that same default', () => {
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
    // lambda-runtime's `22` is the exact reference LocalStack pulls, a moving tag by necessity (see the file).
    expect(image).toBeDefined();
    const tag = /:([^:/@]+)(@sha256:[0-9a-f]{64})?$/.exec(image ?? '')?.[1];
    expect(tag).toBeDefined();
    expect(tag).not.toBe('latest');
  });

  it('runs LocalStack 4.14.0: the last free image that starts without an auth token', () => {
    expect(service('localstack').image).toBe('localstack/localstack:4.14.0');
  });

  it('builds the tools image once (the deployer, `pull_policy: build`: never pulled), and the gateway and smoke check take it as built (`never`)', () => {
    // With `build` and no pull_policy, Compose first tries to pull the image from a registry; with `build` on
    // each of three services, it builds it per service. https://docs.docker.com/reference/compose-file/services/#pull_policy
    expect(service('deployer')).toMatchObject({ build: { context: '.', dockerfile: 'Dockerfile.deploy' }, image: 'halo-tools:local', pull_policy: 'build' });
    for (const name of ['gateway', 'smoke']) {
      expect(service(name).build).toBeUndefined();
      expect(service(name)).toMatchObject({ image: 'halo-tools:local', pull_policy: 'never' });
    }
    expect(Object.entries(compose.services).filter(([, s]) => s.build).map(([name]) => name)).toEqual(['deployer']);
    expect(Object.entries(compose.services).filter(([, s]) => s.image === 'halo-tools:local').map(([name]) => name).sort()).toEqual([...TOOLS].sort());
  });

  it("has every service that takes the tools image as built start after the deployer, whose `up` builds it", () => {
    const after = (name: string, target: string): boolean => Object.keys(dependsOn(name)).some((next) => next === target || after(next, target));
    for (const name of ['gateway', 'smoke']) expect({ name, afterDeployer: after(name, 'deployer') }).toEqual({ name, afterDeployer: true });
  });

  it("pulls the exact Lambda runtime image LocalStack 4.14.0 runs the functions in, before the deploy: a one-shot that exits at once", () => {
    expect(service('lambda-runtime').image).toBe(LOCALSTACK_RUNTIME_IMAGES['nodejs22.x']);
    // Its own entrypoint (the runtime interface emulator) would wait for invocations forever.
    expect(service('lambda-runtime').entrypoint).toEqual(['node', '--version']);
    expect(service('lambda-runtime').network_mode).toBe('none');
    expect(service('lambda-runtime').restart).toBe('no');
    expect(dependsOn('deployer')['lambda-runtime']).toEqual({ condition: 'service_completed_successfully' });
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
  it('starts the deployer once LocalStack is healthy and the Lambda runtime image is pulled', () => {
    expect(dependsOn('deployer')).toEqual({ localstack: { condition: 'service_healthy' }, 'lambda-runtime': { condition: 'service_completed_successfully' } });
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
    for (const oneShot of ONE_SHOT) expect(service(oneShot).healthcheck).toBeUndefined();
  });

  it("checks LocalStack's health endpoint, and the gateway through a route that runs a deployed function", () => {
    expect(service('localstack').healthcheck?.test).toContain('http://localhost:4566/_localstack/health');
    expect(JSON.stringify(service('gateway').healthcheck?.test)).toContain('http://127.0.0.1:3000/.well-known/jwks.json');
  });

  it('never restarts the one-shot services (a failed pull, deploy or smoke check stays failed, visibly)', () => {
    for (const oneShot of ONE_SHOT) expect({ oneShot, restart: service(oneShot).restart ?? 'no' }).toEqual({ oneShot, restart: 'no' });
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
  const network = compose.networks?.halo;
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

  it('starts Lambda containers on the compose network, by its fixed name; every service but the image pull is on it', () => {
    expect(network?.name).toBe('halo');
    expect(env('localstack').LAMBDA_DOCKER_NETWORK).toBe(network?.name);
    for (const name of Object.keys(compose.services).filter((n) => n !== 'lambda-runtime')) expect(JSON.stringify(service(name).networks)).toContain('halo');
  });

  it("says how the functions really resolve names: Docker's embedded DNS for service names, AWS_ENDPOINT_URL for LocalStack; DNS_SERVER is LocalStack's own upstream", () => {
    // LocalStack 4.14.0: DNS_SERVER is its DNS server's upstream (dns/server.py, get_fallback_dns_server);
    // a Lambda container on a user-defined network resolves through Docker's embedded DNS first.
    expect(env('localstack').DNS_SERVER).toBe('127.0.0.11');
    const network = commentAbove('docker-compose.yml', /^\s+LAMBDA_DOCKER_NETWORK:/);
    expect(network).toMatch(/embedded DNS/);
    expect(network).toContain('AWS_ENDPOINT_URL');
    const dns = commentAbove('docker-compose.yml', /^\s+DNS_SERVER:/);
    expect(dns).toMatch(/upstream/);
    expect(dns).not.toMatch(/points its Lambda containers at its own DNS server; this makes/);
  });

  it('leaves CloudFormation more than its default 300 s per resource (a function waits for its runtime image there)', () => {
    expect(Number(env('localstack').CFN_PER_RESOURCE_TIMEOUT)).toBeGreaterThanOrEqual(600);
  });

  it("turns off LocalStack's usage reporting (DISABLE_EVENTS, LocalStack 4.14.0's analytics switch)", () => {
    expect(env('localstack').DISABLE_EVENTS).toBe('1');
  });

  it('labels every Lambda container LocalStack starts, so the ones it leaves behind can be found and removed', () => {
    expect(env('localstack').LAMBDA_DOCKER_FLAGS).toBe(`--label ${LAMBDA_CONTAINER_LABEL}`);
  });

  it("gives LocalStack time to stop its Lambda containers on `down` (Docker's default is 10 s, then SIGKILL)", () => {
    const grace = service('localstack').stop_grace_period ?? '';
    expect(grace).toMatch(DURATION);
    expect(seconds(grace)).toBeGreaterThanOrEqual(30);
  });

  it('keeps /var/lib/localstack in a named volume', () => {
    const mount = service('localstack').volumes?.find((volume) => volume.endsWith(':/var/lib/localstack'));
    const volume = mount?.split(':')[0] ?? '';
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
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
    for (const oneShot of ONE_SHOT) expect(service(oneShot).ports).toBeUndefined();
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
      // The stage throttle's settings (infra/stage-throttle.ts), empty unless .env sets them: the stack's own default.
      HALO_THROTTLE_RATE: '',
      HALO_THROTTLE_BURST: '',
      HALO_ROUTE_THROTTLES: '',
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
