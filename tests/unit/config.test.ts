import { ConfigError, loadConfig } from '../../lib/config';

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
      defaultClientId: 'halo-public-client',
      signingKey: { kind: 'file', path: '/data/keys.json' },
      avatars: { bucket: 'avatars', s3Endpoint: undefined, s3PublicEndpoint: undefined },
      connectionsEndpoint: 'https://ws.halo.test/live',
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
      defaultClientId: 'web',
      signingKey: { kind: 'secret', secretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:keys' },
      avatars: { bucket: 'halo-avatars', s3Endpoint: 'http://127.0.0.1:4569', s3PublicEndpoint: 'http://localhost:4569' },
      connectionsEndpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/live',
    });
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
      'Halo cannot start: ISSUER is not set; set exactly one of SIGNING_KEY_FILE and SIGNING_KEY_SECRET_ID; TABLE_NAME is not set; ' +
        'ACCESS_TOKEN_TTL_SECONDS must be a positive whole number of seconds, got "soon"; ' +
        'REFRESH_TOKEN_TTL_SECONDS must be a positive whole number of seconds, got "-5"; ' +
        'AVATAR_BUCKET is not set; WEBSOCKET_CONNECTIONS_ENDPOINT is not set',
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
