import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startAmazonDynamoDbLocal, type AmazonDynamoDbLocal } from '#local/amazon-dynamodb-local';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { bearer, call, postJson } from '../support/http';
import { pngImage } from '../support/images';
import { JAVA, needs } from '../support/optional-tools';
import { openSocket } from '../support/socket-client';
import { inspect } from '../support/stack-inspector';

/**
 * `AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:<port> npm start` with Amazon's DynamoDB Local running: the
 * stack creates its table there (none exists in a fresh engine), keeps it across a restart, and serves a
 * whole account life from it. Skipped without Java (the run ends saying so), mandatory in CI.
 */
needs(JAVA, 'npm start on Amazon DynamoDB Local').describe('AWS_ENDPOINT_URL_DYNAMODB=<DynamoDB Local> npm start', () => {
  let engine: AmazonDynamoDbLocal;
  let stack: RunningStack | undefined;
  const startOnEngine = () => startStackProcess({ env: { AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint } });

  beforeAll(async () => {
    engine = await startAmazonDynamoDbLocal();
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
    await engine?.close();
  });

  it('creates the table on the given endpoint instead of starting dynalite, and says so', async () => {
    stack = await startOnEngine();
    expect(stack.dynamodbEndpoint).toBe(engine.endpoint);
    expect(stack.output()).toMatch(new RegExp(`DynamoDB\\s+${engine.endpoint}\\s+\\(AWS_ENDPOINT_URL_DYNAMODB, table "halo"\\)`));
    const client = new DynamoDBClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'any', secretAccessKey: 'any' } });
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: 'halo' }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byUser']);
    } finally {
      client.destroy();
    }
  });

  it('serves a whole account life from it: register, login, refresh, avatar, socket, delete, across a restart', async () => {
    if (!stack) throw new Error('the first test did not start the stack');
    const identifier = `ddb-local-${randomUUID().slice(0, 8)}@example.com`;
    const password = 'a passphrase kept in DynamoDB Local';
    const registered = await postJson(`${stack.url}/api/register`, { identifier, password });
    expect(registered.status).toBe(201);
    const userId = String(registered.json.data.user.id);
    const look = inspect(stack);
    try {
      expect((await look.itemsOf(userId)).map((item) => String(item.pk).split('#')[0]).sort()).toEqual(['IDENT', 'RT', 'RTF', 'USER']);
    } finally {
      look.close();
    }

    // The table is found again, not replaced, by the next start on the same endpoint.
    expect(await stack.stop()).toBe(0);
    stack = await startOnEngine();
    const api = `${stack.url}/api`;
    const login = await postJson(`${api}/login`, { identifier, password });
    expect(login.status).toBe(200);
    expect(login.json.data.user.id).toBe(userId);
    const refreshed = await postJson(`${api}/refresh`, { refreshToken: login.json.data.refreshToken });
    expect(refreshed.status).toBe(200);
    const accessToken = String(refreshed.json.data.accessToken);
    expect((await call(`${api}/user`, { headers: bearer(accessToken) })).status).toBe(200);

    const socket = await openSocket(stack.websocketUrl, accessToken, 'subprotocol');
    const form = new FormData();
    form.append('avatar', new Blob([await pngImage(64, 64)]), 'me.png');
    const uploaded = await call(`${api}/user/avatar`, { method: 'POST', headers: bearer(accessToken), body: form });
    expect(uploaded.status).toBe(200);
    await socket.next((message: { type: string }) => message.type === 'avatar.changed');
    expect((await call(uploaded.json.data.avatarUrl, { redirect: 'manual' })).status).toBe(302);

    expect((await call(api + '/user', { method: 'DELETE', headers: bearer(accessToken) })).status).toBe(200);
    await socket.next((message: { type: string }) => message.type === 'user.deleted');
    await socket.closed;
    expect((await call(`${api}/user`, { headers: bearer(accessToken) })).status).toBe(401);
    expect((await postJson(`${api}/login`, { identifier, password })).status).toBe(401);
    const after = inspect(stack);
    try {
      expect(await after.itemsOf(userId)).toEqual([]);
    } finally {
      after.close();
    }
  });
});
