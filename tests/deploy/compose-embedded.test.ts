import { DockerfileParser } from 'dockerfile-ast';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '#infra/constructs/halo-function';
import { loadCompose, parseDotEnv, projectFile, type ComposeFile, type Service } from './compose-file';
import { composeValidator, DURATION } from './compose-schema';

/**
 * docker-compose.embedded.yml, the plain-container way (`npm start` in one container, no LocalStack),
 * checked like docker-compose.yml without a Docker engine: against the Compose Specification's schema,
 * and against what makes it work from outside the container: the ports it publishes are the ones the
 * embedded stack listens on, and the URLs it hands out (issuer, presigned S3 URLs) name those published
 * ports on localhost rather than the container's own addresses. That the embedded stack honours these
 * settings is proven by embedded-container.test.ts, which runs it with them.
 */
const FILE = 'docker-compose.embedded.yml';
const exampleEnv = parseDotEnv(projectFile('.env.example'));
const compose = loadCompose(new Map(), FILE);
const names = Object.keys(compose.services);
const halo = (): Service => {
  const found = compose.services.halo;
  if (!found) throw new Error(`${FILE} has no service halo`);
  return found;
};
const env = () => halo().environment ?? {};
/** `ip:host:container` → the three parts. */
const mapping = (ports: string) => {
  const [ip = '', host = '', container = ''] = ports.split(':');
  return { ip, host, container };
};
const published = (containerPort: string) => (halo().ports ?? []).map(mapping).find((m) => m.container === containerPort);

describe(`${FILE} against the Compose Specification schema`, () => {
  it.each([
    ['without a .env (the defaults in the file)', new Map<string, string>()],
    ['with .env.example copied to .env', exampleEnv],
  ])('is valid %s', (_case, values) => {
    const validate = composeValidator();
    const valid = validate(loadCompose(values, FILE));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the check has teeth here too: it refuses an unknown key and a malformed health check', () => {
    const validate = composeValidator();
    const broken = structuredClone(compose) as ComposeFile & { services: Record<string, Record<string, unknown>> };
    broken.services.halo = { ...broken.services.halo, healthcheck: { test: ['CMD', 'true'], interval: 'often' }, helthcheck: {} };
    expect(validate(broken)).toBe(false);
  });
  // `docker-compose config` of this file runs with docker-compose.yml's, in compose.test.ts.
});

describe(`${FILE}: one container, nothing of LocalStack`, () => {
  it('has exactly one service, and it neither runs LocalStack nor reaches the Docker engine', () => {
    expect(names).toEqual(['halo']);
    expect(halo().image).not.toMatch(/localstack/);
    expect(JSON.stringify(halo().volumes ?? [])).not.toContain('docker.sock');
    expect(halo().privileged).toBeUndefined();
    expect(halo().network_mode).toBeUndefined();
  });

  it('builds the one tools image from Dockerfile.deploy (pinned base, unprivileged user), never pulled from a registry', () => {
    expect(halo()).toMatchObject({ build: { context: '.', dockerfile: 'Dockerfile.deploy' }, image: 'halo-tools:local', pull_policy: 'build' });
    // The image's own user (Dockerfile.deploy's last USER, checked there) is not overridden with root.
    expect(halo().user).toBeUndefined();
  });

  it('runs `npm start` (its script in package.json: tsx local/start.ts) as node with the tsx loader, and an init process', () => {
    const start = (JSON.parse(projectFile('package.json')) as { scripts: Record<string, string> }).scripts.start;
    const [runner, script] = (start ?? '').split(' ');
    expect(runner).toBe('tsx');
    expect(halo().command).toEqual(['node', '--import', 'tsx', script]);
    expect(existsSync(join(PROJECT_ROOT, script ?? ''))).toBe(true);
    // The way tests/support/embedded-stack-process.ts starts it, whose SIGINT stop the e2e tests prove.
    expect(projectFile('tests/support/embedded-stack-process.ts')).toContain("['--import', 'tsx', options.entry ?? 'local/start.ts']");
    expect(halo().init).toBe(true);
  });
});

describe(`${FILE}: reachable from outside the container, on the same URLs as npm start`, () => {
  it('listens on every interface inside the container (the published ports decide who reaches it)', () => {
    expect(env().HOST).toBe('0.0.0.0');
  });

  it('publishes the HTTP port (HTTP API, /ws, /docs) and the local S3 port, on 127.0.0.1 by default', () => {
    expect(halo().ports).toEqual(['127.0.0.1:3000:3000', '127.0.0.1:4568:4568']);
    expect(published(env().PORT ?? '')).toBeDefined();
    expect(published(env().S3_PORT ?? '')).toBeDefined();
  });

  it('names the published HTTP port on localhost as the public URL (the token issuer): http://localhost:3000, as npm start', () => {
    const url = new URL(env().PUBLIC_URL ?? '');
    expect(url.origin).toBe('http://localhost:3000');
    expect(url.port).toBe(published(env().PORT ?? '')?.host);
  });

  it('names the published S3 port on localhost in presigned URLs, never the address S3 listens on inside', () => {
    const url = new URL(env().S3_PUBLIC_ENDPOINT ?? '');
    expect(url.hostname).toBe('localhost');
    expect(url.port).toBe(published(env().S3_PORT ?? '')?.host);
    expect(url.hostname).not.toMatch(/^(127\.0\.0\.1|0\.0\.0\.0|halo)$/);
  });

  it('keeps the two ports apart, and apart from LocalStack’s (so neither setting can be mistaken for the other)', () => {
    expect(env().PORT).not.toBe(env().S3_PORT);
    expect(env().S3_PORT).not.toBe('4566');
  });

  it('stays consistent when .env changes the host ports: the public URLs follow them', () => {
    const moved = loadCompose(new Map([...exampleEnv, ['PORT', '8080'], ['PUBLIC_URL', 'http://localhost:8080'], ['EMBEDDED_S3_PORT', '9568'], ['EMBEDDED_S3_PUBLIC_ENDPOINT', 'http://localhost:9568']]), FILE);
    const service = moved.services.halo;
    expect(service?.ports).toEqual(['127.0.0.1:8080:3000', '127.0.0.1:9568:4568']);
    expect(service?.environment).toMatchObject({ PORT: '3000', S3_PORT: '4568', PUBLIC_URL: 'http://localhost:8080', S3_PUBLIC_ENDPOINT: 'http://localhost:9568' });
  });
});

describe(`${FILE}: data, health, secrets`, () => {
  it('keeps DATA_DIR in a named volume, at a folder the image creates for its unprivileged user', () => {
    const dataDir = env().DATA_DIR ?? '';
    const mount = (halo().volumes ?? []).find((volume) => volume.endsWith(`:${dataDir}`));
    expect(mount).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(mount?.split(':')[0]);
    // A new named volume takes the owner of the image's folder; without it the volume root is root's.
    const runs = DockerfileParser.parse(projectFile('Dockerfile.deploy'))
      .getInstructions()
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getArgumentsContent() ?? '');
    expect(runs.some((run) => run.includes(`mkdir ${dataDir}`) && run.includes(`chown node:node ${dataDir}`))).toBe(true);
  });

  it('is healthy once a handler answers (the signing key), on its own HTTP port', () => {
    const check = halo().healthcheck;
    expect(JSON.stringify(check?.test)).toContain(`http://127.0.0.1:${env().PORT}/.well-known/jwks.json`);
    for (const duration of [check?.interval, check?.timeout, check?.start_period]) expect(duration).toMatch(DURATION);
    expect(check?.retries).toBeGreaterThan(0);
  });

  it('holds no secret: no secret-sounding setting, nothing shaped like a credential', () => {
    for (const variable of Object.keys(env())) expect(variable).not.toMatch(/TOKEN|SECRET|PASSWORD|PASSPHRASE|PRIVATE|CREDENTIAL|_KEY/);
    for (const pattern of [/ls-[A-Za-z0-9]{16,}/, /AKIA[0-9A-Z]{16}/, /ASIA[0-9A-Z]{16}/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/]) {
      expect(projectFile(FILE)).not.toMatch(pattern);
    }
  });
});
