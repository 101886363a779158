import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { managementApiSender } from '../../../lib/sockets/socket-sender';
import { config } from './config';

/**
 * The `@connections` client, in a module of its own so that only the functions that talk to sockets
 * (avatar-events, delete-user, ws-message) construct it.
 */
export const sockets = managementApiSender(new ApiGatewayManagementApiClient({ region: config.region, endpoint: config.connectionsEndpoint }));
