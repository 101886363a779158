import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { managementApiSender } from '../../../lib/sockets/socket-sender';
import { config } from './config';

/**
 * How many `@connections` calls one function instance has in flight at once. A fan-out or a deletion sends
 * to all of a user's sockets together, each call with its own 3 s deadline that starts when it is queued
 * (lib/sockets/socket-sender.ts); with the SDK's default pool of 50 the sends beyond 50 wait for a free
 * socket, so a user with very many sockets could see late sends aborted. 200 puts a user's sockets out in
 * one wave even well above the default cap of 20 per user (SOCKETS_PER_USER may be raised), and in ~5 waves
 * for 1,000, while staying far below Lambda's 1,024 file descriptors per instance.
 */
const MAX_SOCKETS = 200;

/**
 * The `@connections` client, in a module of its own so that only the functions that talk to sockets
 * (avatar-events, delete-user, ws-message) construct it. Keep-alive as the SDK's own agents have it.
 */
export const sockets = managementApiSender(
  new ApiGatewayManagementApiClient({
    region: config.region,
    endpoint: config.connectionsEndpoint,
    requestHandler: {
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      // The embedded stack's local endpoint is plain HTTP.
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    },
  }),
);
