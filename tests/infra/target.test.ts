import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { LOCALSTACK_DEFAULTS, nativeArchitecture, TARGET_OPTIONS, targetFrom, type OptionReader } from '#infra/target';

/** An option reader over a plain map of context keys, as `-c key=value` would give them. */
const fromContext =
  (values: Record<string, string>): OptionReader =>
  (contextKey) =>
    values[contextKey];

describe('deploy target options (infra/target.ts)', () => {
  it('defaults to AWS, with the API endpoint as issuer and no alarm email', () => {
    expect(targetFrom(fromContext({}))).toEqual({ kind: 'aws', publicBaseUrl: undefined, alarmEmail: undefined });
  });

  it('reads each option from context or, failing that, from its HALO_ environment variable', () => {
    const seen: string[] = [];
    targetFrom((contextKey, envName) => {
      seen.push(`${contextKey}/${envName}`);
      return undefined;
    });
    expect(seen).toContain('target/HALO_TARGET');
    for (const [contextKey, envName] of Object.values(TARGET_OPTIONS)) expect(envName).toBe(`HALO_${contextKey.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`);
  });

  it('gives the LocalStack target the compose defaults and the architecture of the machine it synthesizes on', () => {
    expect(targetFrom(fromContext({ target: 'localstack' }), 'x64')).toEqual({ kind: 'localstack', ...LOCALSTACK_DEFAULTS, architecture: Architecture.X86_64 });
    expect(targetFrom(fromContext({ target: 'localstack' }), 'arm64')).toMatchObject({ architecture: Architecture.ARM_64 });
    expect(nativeArchitecture('x64')).toBe(Architecture.X86_64);
  });

  it('takes LocalStack URLs and the architecture from the options, without a trailing slash', () => {
    const target = targetFrom(
      fromContext({
        target: 'localstack',
        publicBaseUrl: 'http://halo.test:8080/',
        connectionsEndpoint: 'http://gw:9000',
        s3Endpoint: 'http://ls:4566',
        s3PublicEndpoint: 'https://s3.halo.test',
        lambdaArchitecture: 'arm64',
      }),
      'x64',
    );
    expect(target).toEqual({
      kind: 'localstack',
      publicBaseUrl: 'http://halo.test:8080',
      connectionsEndpoint: 'http://gw:9000',
      s3Endpoint: 'http://ls:4566',
      s3PublicEndpoint: 'https://s3.halo.test',
      architecture: Architecture.ARM_64,
    });
  });

  it.each([
    [{ target: 'azure' }, /target must be one of aws, localstack/],
    [{ publicBaseUrl: 'http://id.example.com' }, /https:\/\//],
    [{ publicBaseUrl: 'https://id.example.com/halo' }, /base URL/],
    [{ alarmEmail: 'not-an-address' }, /email address/],
    [{ connectionsEndpoint: 'http://gateway:3000' }, /localstack target only/],
    [{ lambdaArchitecture: 'x86_64' }, /localstack target only/],
    [{ target: 'localstack', alarmEmail: 'ops@example.com' }, /aws target only/],
    [{ target: 'localstack', lambdaArchitecture: 'sparc' }, /lambdaArchitecture must be one of/],
    [{ target: 'localstack', s3Endpoint: 'localstack:4566' }, /s3Endpoint must be an absolute/],
  ])('refuses %j at synth', (values, message) => {
    expect(() => targetFrom(fromContext(values as Record<string, string>))).toThrow(message);
  });
});
