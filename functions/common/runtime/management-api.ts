import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { MAX_IN_FLIGHT, managementApiSender } from '#lib/sockets/socket-sender';
import { loadConnectionsConfig } from '#lib/config';

/**
 * The HTTP pool holds as many sockets as the sender has calls in flight (200, lib/sockets/socket-sender.ts),
 * so no call waits for a socket inside the SDK, where its deadline would already be running: the sender queues
 * the rest itself and starts each 3 s deadline when the call goes out. With the SDK's default pool of 50, a user
 * with many sockets saw late calls aborted. 200 puts a user's sockets out in one wave even well above the
 * default cap of 20 per user (SOCKETS_PER_USER may be raised), and in ~5 waves for 1,000, while staying far
 * below Lambda's 1,024 file descriptors per instance.
 */
const MAX_SOCKETS = MAX_IN_FLIGHT;

/** The `@connections` endpoint (catalog access `connections`), read once per cold start. */
const { connectionsEndpoint, region } = loadConnectionsConfig();

/**
 * The `@connections` client, in a module of its own so that only the functions that talk to sockets
 * (avatar-events, delete-user, ws-message) construct it. Keep-alive as the SDK's own agents have it.
 */
export const sockets = managementApiSender(
  new ApiGatewayManagementApiClient({
    region,
    endpoint: connectionsEndpoint,
    requestHandler: {
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      // The embedded stack's local endpoint is plain HTTP.
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    },
  }),
);
