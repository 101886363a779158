import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { startStackProcess, type RunningStack } from '../support/embedded-stack-process';
import { postJson } from '../support/http';
import { openSocket } from '../support/socket-client';
import { inspect } from '../support/stack-inspector';
import { waitUntil } from '../support/wait-until';

let stack: RunningStack;
let look: ReturnType<typeof inspect>;
let management: ApiGatewayManagementApiClient;
beforeAll(async () => {
  stack = await startStackProcess();
  look = inspect(stack);
  // The real management client, pointed at the local stack exactly as the functions are.
  management = new ApiGatewayManagementApiClient({
    endpoint: stack.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  management.destroy();
  look.close();
  await stack.stop();
});

describe('the local @connections API, through @aws-sdk/client-apigatewaymanagementapi', () => {
  it('sends to, describes and closes a live connection, and reports gone ones as GoneException', async () => {
    const { data } = (await postJson(`${stack.url}/api/register`, { identifier: 'connected', password: 'a perfectly fine passphrase' })).json;
    // This test sends messages of its own through @connections: they are not Halo's, so not checked against the contract.
    const socket = await openSocket(stack.websocketUrl, data.accessToken, 'subprotocol', { contract: false });
    const [record] = (await look.itemsOf(data.user.id)).filter((item) => String(item.pk).startsWith('CONN#'));
    const connectionId = String(record?.connectionId);

    await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('{"type":"hello"}') }));
    expect(await socket.next((m: { type: string }) => m.type === 'hello')).toEqual({ type: 'hello' });

    const described = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(described.ConnectedAt).toBeInstanceOf(Date);
    expect(described.Identity?.SourceIp).toEqual(expect.any(String));

    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    expect((await socket.closed).code).toBe(1000);

    await expect(management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('{}') }))).rejects.toMatchObject({
      name: 'GoneException',
      $metadata: { httpStatusCode: 410 },
    });
    // $disconnect follows the close and removes the record.
    await waitUntil(async () => (await look.itemsOf(data.user.id)).every((item) => !String(item.pk).startsWith('CONN#')));
  });
});
