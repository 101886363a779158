import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { managementApiSender } from '../../../lib/sockets/socket-sender';
import type { SocketDeps } from '../../../lib/sockets/socket-sessions';
import { createConnectionsRepository } from '../../../lib/storage/connections-repository';
import { accountDeps } from './accounts';
import { config } from './config';
import { dynamodb } from './dynamodb';

export const connections = createConnectionsRepository(dynamodb, config.tableName);

export const sockets = managementApiSender(new ApiGatewayManagementApiClient({ region: config.region, endpoint: config.connectionsEndpoint }));

export const socketDeps: SocketDeps = { account: accountDeps, connections, sockets, limits: config.limits.sockets };
