import { LAMBDA_CONTAINER_LABEL, loadCompose, LOCALSTACK_RUNTIME_IMAGES, projectFile } from './compose-file';
import { seconds } from './compose-schema';

/**
 * docs/docker.md ("Run with Docker", which the README links to) against the compose files it describes: the
 * commands, the numbers and the names it gives are the files' own, and it says what LocalStack 4.14.0 does
 * differently from AWS and where the set-up needs the network. A change to either side without the other fails here.
 */
const section = projectFile('docs/docker.md');
if (!section.startsWith('# Run with Docker\n')) throw new Error('docs/docker.md does not start with "# Run with Docker"');
const flat = section.replace(/\s+/g, ' ');
const localstack = loadCompose();
const embedded = loadCompose(new Map(), 'docker-compose.embedded.yml');
const localstackEnv = localstack.services.localstack?.environment ?? {};

describe('docs/docker.md, "Run with Docker": the two ways', () => {
  it('gives one command for each, and says which to choose', () => {
    expect(section).toContain('docker compose -f docker-compose.embedded.yml up');
    expect(section).toMatch(/^docker compose up\b/m);
    expect(flat).toMatch(/choose it for/);
  });

  it('names the plain container’s S3 URL and settings as the file has them', () => {
    expect(flat).toContain(embedded.services.halo?.environment?.S3_PUBLIC_ENDPOINT ?? '?');
    expect(flat).toContain(`S3_PORT=${embedded.services.halo?.environment?.S3_PORT}`);
    for (const name of ['PUBLIC_URL', 'EMBEDDED_S3_PORT', 'EMBEDDED_S3_PUBLIC_ENDPOINT', 'halo-data']) expect(flat).toContain(name);
  });

  it('no longer asks for --build after a code change (the tools image is rebuilt on each up)', () => {
    expect(flat).not.toMatch(/add --build after/);
    expect(flat).toContain('pull_policy: build');
  });
});

describe('docs/docker.md, "Run with Docker": LocalStack as it meets a real machine', () => {
  it('names the runtime image pulled before the deploy and the raised CloudFormation limit, with the file’s values', () => {
    expect(flat).toContain(`\`${LOCALSTACK_RUNTIME_IMAGES['nodejs22.x']}\``);
    expect(flat).toContain(`${localstackEnv.CFN_PER_RESOURCE_TIMEOUT} s (\`CFN_PER_RESOURCE_TIMEOUT\`)`);
  });

  it('says every up needs the registries, and why (no setting in LocalStack 4.14.0 skips its pull)', () => {
    expect(flat).toMatch(/Every `up` needs the registries/);
    expect(flat).toContain('public.ecr.aws');
    expect(flat).toMatch(/no setting that skips it/);
  });

  it('gives the clean-up command for Lambda containers by the very label LocalStack is told to put on them', () => {
    expect(localstackEnv.LAMBDA_DOCKER_FLAGS).toContain(LAMBDA_CONTAINER_LABEL);
    expect(section).toContain(`docker ps -aq --filter label=${LAMBDA_CONTAINER_LABEL} | xargs -r docker rm -f`);
    expect(flat).toContain('has active endpoints');
    expect(flat).toContain(`${seconds(localstack.services.localstack?.stop_grace_period ?? '')} s (\`stop_grace_period\`)`);
  });

  it('lists what LocalStack’s CloudFormation ignores on the bucket, and that uploads/ never expire there', () => {
    for (const ignored of ['encryption', 'object ownership', 'public access block', 'lifecycle rules', '`public-read`']) expect(flat).toContain(ignored);
    expect(flat).toMatch(/`uploads\/` never expire/);
  });

  it('describes name resolution as it works: Docker’s embedded DNS, AWS_ENDPOINT_URL, DNS_SERVER as LocalStack’s upstream', () => {
    expect(localstackEnv.DNS_SERVER).toBe('127.0.0.11');
    expect(flat).toContain("Docker's embedded DNS server");
    expect(flat).toContain('`AWS_ENDPOINT_URL`');
    expect(flat).toMatch(/`DNS_SERVER=127\.0\.0\.11` only gives LocalStack's own DNS server Docker's as its upstream/);
  });
});
