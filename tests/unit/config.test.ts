import {
  ConfigError,
  loadBucketConfig,
  loadConfig,
  loadPublicKeySetConfig,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  loadConnectionsConfig,
  loadIssuerConfig,
  loadLimitsConfig,
  loadSigningKeyConfig,
  loadTableConfig,
  loadTokenConfig,
} from '#lib/config';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';

const MINIMAL = {
  TABLE_NAME: 'halo',
  ISSUER: 'https://halo.test',
  SIGNING_KEY_FILE: '/data/keys.json',
  AVATAR_BUCKET: 'avatars',
  WEBSOCKET_CONNECTIONS_ENDPOINT: 'https://ws.halo.test/live',
};

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('fills in defaults around the required settings', () => {
    expect(loadConfig(MINIMAL)).toEqual({
      tableName: 'halo',
      dynamodbEndpoint: undefined,
      region: 'us-east-1',
      issuer: 'https://halo.test',
      audience: 'https://halo.test',
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 2_592_000,
      refreshReuseGraceSeconds: 30,
      sessionAbsoluteLifetimeSeconds: 90 * 24 * 60 * 60,
      maxSessionsPerUser: 50,
      defaultClientId: 'halo-public-client',
      signingKey: { kind: 'file', path: '/data/keys.json' },
      avatars: { bucket: 'avatars', s3Endpoint: undefined, s3PublicEndpoint: undefined },
      connectionsEndpoint: 'https://ws.halo.test/live',
      limits: DEFAULT_LIMITS,
    });
  });

  it('reads every optional setting, trimmed', () => {
    const config = loadConfig({
      TABLE_NAME: ' halo-prod ',
      ISSUER: 'https://id.example.com',
      SIGNING_KEY_SECRET_ID: ' arn:aws:secretsmanager:eu-west-1:1:secret:keys ',
      DYNAMODB_ENDPOINT: 'http://localhost:8000',
      AWS_REGION: 'eu-west-1',
      ACCESS_TOKEN_AUDIENCE: 'https://api.example.com',
      ACCESS_TOKEN_TTL_SECONDS: '300',
      REFRESH_TOKEN_TTL_SECONDS: '86400',
      REFRESH_REUSE_GRACE_SECONDS: '10',
      SESSION_ABSOLUTE_LIFETIME_SECONDS: ' 86400 ',
      MAX_SESSIONS_PER_USER: ' 5 ',
      DEFAULT_CLIENT_ID: 'web',
      AVATAR_BUCKET: ' halo-avatars ',
      S3_ENDPOINT: 'http://127.0.0.1:4569',
      S3_PUBLIC_ENDPOINT: 'http://localhost:4569',
      WEBSOCKET_CONNECTIONS_ENDPOINT: 'https://abc.execute-api.eu-west-1.amazonaws.com/live/',
    });
    expect(config).toEqual({
      tableName: 'halo-prod',
      dynamodbEndpoint: 'http://localhost:8000',
      region: 'eu-west-1',
      issuer: 'https://id.example.com',
      audience: 'https://api.example.com',
      accessTokenTtlSeconds: 300,
      refreshTokenTtlSeconds: 86_400,
      refreshReuseGraceSeconds: 10,
      sessionAbsoluteLifetimeSeconds: 86400,
      maxSessionsPerUser: 5,
      defaultClientId: 'web',
      signingKey: { kind: 'secret', secretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:keys' },
      avatars: { bucket: 'halo-avatars', s3Endpoint: 'http://127.0.0.1:4569', s3PublicEndpoint: 'http://localhost:4569' },
      connectionsEndpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/live',
      limits: DEFAULT_LIMITS,
    });
  });

  it('defaults the abuse limits to five free login failures, 30 s doubling to 15 min, 20 sign-ups an hour, 20 sockets', () => {
    expect(DEFAULT_LIMITS).toEqual({
      login: {
        freeFailuresPerIdentifierAndSource: 5,
        identifierUnderAttackAfter: 20,
        freeFailuresPerSource: 100,
        backoffBaseSeconds: 30,
        backoffMaxSeconds: 900,
        failureMemorySeconds: 3600,
      },
      registration: { perSource: 20, windowSeconds: 3600 },
      sockets: { perUser: 20 },
      uploadForms: { perUser: 20, windowSeconds: 3600 },
    });
  });

  it('reads every abuse limit', () => {
    const config = loadConfig({
      ...MINIMAL,
      LOGIN_FREE_FAILURES: '3',
      LOGIN_IDENTIFIER_ATTACK_FAILURES: '50',
      LOGIN_SOURCE_FREE_FAILURES: ' 200 ',
      LOGIN_BACKOFF_BASE_SECONDS: '2',
      LOGIN_BACKOFF_MAX_SECONDS: '8',
      LOGIN_FAILURE_MEMORY_SECONDS: '60',
      REGISTRATIONS_PER_SOURCE: '5',
      REGISTRATION_WINDOW_SECONDS: '600',
      SOCKETS_PER_USER: '1000',
      UPLOAD_FORMS_PER_USER: '4',
      UPLOAD_FORM_WINDOW_SECONDS: '120',
    });
    expect(config.limits).toEqual({
      login: {
        freeFailuresPerIdentifierAndSource: 3,
        identifierUnderAttackAfter: 50,
        freeFailuresPerSource: 200,
        backoffBaseSeconds: 2,
        backoffMaxSeconds: 8,
        failureMemorySeconds: 60,
      },
      registration: { perSource: 5, windowSeconds: 600 },
      sockets: { perUser: 1000 },
      uploadForms: { perUser: 4, windowSeconds: 120 },
    });
  });

  it.each(['LOGIN_FREE_FAILURES', 'LOGIN_IDENTIFIER_ATTACK_FAILURES', 'LOGIN_SOURCE_FREE_FAILURES', 'REGISTRATIONS_PER_SOURCE', 'SOCKETS_PER_USER', 'UPLOAD_FORMS_PER_USER'])(
    'refuses a %s that is not a positive whole number',
    (name) => {
      for (const raw of ['0', '-3', '2.5', 'many']) {
        expect(configError({ ...MINIMAL, [name]: raw }).message).toBe(`Halo cannot start: ${name} must be a positive whole number, got "${raw}"`);
      }
    },
  );

  it('refuses a back-off whose maximum is below its start, or that forgets failures before its maximum is reached', () => {
    expect(configError({ ...MINIMAL, LOGIN_BACKOFF_BASE_SECONDS: '60', LOGIN_BACKOFF_MAX_SECONDS: '30' }).message).toBe(
      'Halo cannot start: LOGIN_BACKOFF_MAX_SECONDS (30) must be at least LOGIN_BACKOFF_BASE_SECONDS (60)',
    );
    expect(configError({ ...MINIMAL, LOGIN_FAILURE_MEMORY_SECONDS: '600' }).message).toBe(
      'Halo cannot start: LOGIN_FAILURE_MEMORY_SECONDS (600) must be at least LOGIN_BACKOFF_MAX_SECONDS (900)',
    );
  });

  it('takes a refresh grace window of 0 (strict reuse detection) up to 300 s, and refuses anything else', () => {
    expect(loadConfig({ ...MINIMAL, REFRESH_REUSE_GRACE_SECONDS: '0' }).refreshReuseGraceSeconds).toBe(0);
    expect(loadConfig({ ...MINIMAL, REFRESH_REUSE_GRACE_SECONDS: '300' }).refreshReuseGraceSeconds).toBe(300);
    for (const bad of ['-1', '301', '2.5', 'soon']) {
      expect(configError({ ...MINIMAL, REFRESH_REUSE_GRACE_SECONDS: bad }).message).toContain(
        `REFRESH_REUSE_GRACE_SECONDS must be a whole number of seconds from 0 to 300, got "${bad}"`,
      );
    }
  });

  it('strips trailing slashes from the issuer, and the audience follows it', () => {
    const config = loadConfig({ ...MINIMAL, ISSUER: 'https://halo.test/base//' });
    expect(config.issuer).toBe('https://halo.test/base');
    expect(config.audience).toBe('https://halo.test/base');
  });

  it('treats blank optional settings as unset', () => {
    const config = loadConfig({ ...MINIMAL, AWS_REGION: '  ', ACCESS_TOKEN_AUDIENCE: '', DYNAMODB_ENDPOINT: ' ', ACCESS_TOKEN_TTL_SECONDS: '' });
    expect(config).toMatchObject({ region: 'us-east-1', audience: 'https://halo.test', dynamodbEndpoint: undefined, accessTokenTtlSeconds: 900 });
  });

  it('reports every problem at once in one ConfigError', () => {
    const error = configError({ ACCESS_TOKEN_TTL_SECONDS: 'soon', REFRESH_TOKEN_TTL_SECONDS: '-5' });
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe(
      'Halo cannot start: TABLE_NAME is not set; ISSUER is not set; ' +
        'ACCESS_TOKEN_TTL_SECONDS must be a positive whole number of seconds, got "soon"; ' +
        'REFRESH_TOKEN_TTL_SECONDS must be a positive whole number of seconds, got "-5"; ' +
        'set exactly one of SIGNING_KEY_FILE and SIGNING_KEY_SECRET_ID; AVATAR_BUCKET is not set; WEBSOCKET_CONNECTIONS_ENDPOINT is not set',
    );
  });

  it('refuses both signing-key sources at once', () => {
    const error = configError({ ...MINIMAL, SIGNING_KEY_SECRET_ID: 'keys' });
    expect(error.message).toBe('Halo cannot start: set exactly one of SIGNING_KEY_FILE and SIGNING_KEY_SECRET_ID');
  });

  it('refuses neither signing-key source', () => {
    const error = configError({ ...MINIMAL, SIGNING_KEY_FILE: ' ' });
    expect(error.message).toBe('Halo cannot start: set exactly one of SIGNING_KEY_FILE and SIGNING_KEY_SECRET_ID');
  });

  it.each(['0', '-1', '1.5', 'NaN', 'ten', 'Infinity'])('refuses the token lifetime %j', (raw) => {
    expect(configError({ ...MINIMAL, ACCESS_TOKEN_TTL_SECONDS: raw }).message).toContain(
      `ACCESS_TOKEN_TTL_SECONDS must be a positive whole number of seconds, got "${raw}"`,
    );
  });

  it.each(['halo.test', 'not a url', '/', '///'])('refuses the issuer %j, which is not an absolute URL', (raw) => {
    expect(configError({ ...MINIMAL, ISSUER: raw }).message).toBe(`Halo cannot start: ISSUER must be an absolute URL, got "${raw}"`);
  });
});

describe('configuration per capability', () => {
  it('loads each capability from its own variables alone, so a function needs only what its access uses', () => {
    expect(loadTableConfig({ TABLE_NAME: 'halo' })).toEqual({ tableName: 'halo', dynamodbEndpoint: undefined, region: 'us-east-1' });
    expect(loadIssuerConfig({ ISSUER: 'https://halo.test/' })).toEqual({ issuer: 'https://halo.test' });
    expect(loadTokenConfig({ ISSUER: 'https://halo.test' })).toMatchObject({ issuer: 'https://halo.test', audience: 'https://halo.test' });
    expect(loadSigningKeyConfig({ SIGNING_KEY_SECRET_ID: 'arn:keys' })).toEqual({ signingKey: { kind: 'secret', secretId: 'arn:keys' }, region: 'us-east-1' });
    expect(loadBucketConfig({ AVATAR_BUCKET: 'avatars' }).avatars.bucket).toBe('avatars');
    expect(loadConnectionsConfig({ WEBSOCKET_CONNECTIONS_ENDPOINT: 'https://ws.halo.test/live' }).connectionsEndpoint).toBe('https://ws.halo.test/live');
    expect(loadLimitsConfig({})).toEqual({ limits: DEFAULT_LIMITS });
  });

  it('finds the public key set (the verifiers\' keys) in a file or a second secret, exactly one of them', () => {
    expect(loadPublicKeySetConfig({ PUBLIC_KEY_SET_SECRET_ID: 'arn:public' })).toEqual({ publicKeySet: { kind: 'secret', secretId: 'arn:public' }, region: 'us-east-1' });
    expect(loadPublicKeySetConfig({ PUBLIC_KEY_SET_FILE: '/data/public-keys.json' }).publicKeySet).toEqual({ kind: 'file', path: '/data/public-keys.json' });
    // The private key set's variable is not the public one's: a verifier given only SIGNING_KEY_SECRET_ID does not start.
    expect(() => loadPublicKeySetConfig({ SIGNING_KEY_SECRET_ID: 'arn:keys' })).toThrow('set exactly one of PUBLIC_KEY_SET_FILE and PUBLIC_KEY_SET_SECRET_ID');
  });

  it('caps the access-token lifetime at MAX_ACCESS_TOKEN_TTL_SECONDS (the signing keys are kept that long after a rotation)', () => {
    expect(loadTokenConfig({ ISSUER: 'https://halo.test', ACCESS_TOKEN_TTL_SECONDS: String(MAX_ACCESS_TOKEN_TTL_SECONDS) }).accessTokenTtlSeconds).toBe(3600);
    expect(() => loadTokenConfig({ ISSUER: 'https://halo.test', ACCESS_TOKEN_TTL_SECONDS: '3601' })).toThrow('ACCESS_TOKEN_TTL_SECONDS must be at most 3600');
  });

  it('fails a capability only for its own missing variables', () => {
    expect(() => loadSigningKeyConfig({ TABLE_NAME: 'halo' })).toThrow('Halo cannot start: set exactly one of SIGNING_KEY_FILE and SIGNING_KEY_SECRET_ID');
    expect(() => loadTableConfig({ SIGNING_KEY_SECRET_ID: 'arn:keys' })).toThrow('Halo cannot start: TABLE_NAME is not set');
  });
});
