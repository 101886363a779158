import { WebSocketApi, WebSocketRoute, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import { WEBSOCKET_ROUTES } from '../catalog';
import { constructIdOf, type HaloFunctions } from './halo-functions';
import { routeIdOf } from './halo-http-api';

/** The one stage: part of the socket URL (`wss://…/live`) and of the `@connections` endpoint and its IAM resource. */
export const WEBSOCKET_STAGE_NAME = 'live';

/** The route selection expression: a message `{"action":"ping"}` goes to the `ping` route, anything else to `$default`. */
export const WEBSOCKET_ROUTE_SELECTION = '$request.body.action';

/** Same idea as the HTTP API's STAGE_THROTTLE: a cap on what a flood of connects and messages can cost. */
export const WEBSOCKET_STAGE_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;

/**
 * The WebSocket API behind the live avatar notifications. Like HaloHttpApi it is created before the
 * functions, which only need its id (for their `@connections` endpoint and their ManageConnections
 * grant); the routes, which need the functions, are added afterwards with `addCatalogRoutes`.
 * The stage deploys itself (autoDeploy), so it does not depend on the routes either.
 */
export class HaloWebSocketApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    // Authentication happens in the $connect function (API Gateway offers no JWT authorizer on WebSocket APIs).
    this.api = new WebSocketApi(this, 'Api', {
      apiName: 'halo-live',
      description: 'Halo live notifications: avatar changes pushed to every open client of a user',
      routeSelectionExpression: WEBSOCKET_ROUTE_SELECTION,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: WEBSOCKET_STAGE_NAME,
      autoDeploy: true,
      throttle: WEBSOCKET_STAGE_THROTTLE,
    });
  }

  /** `wss://{api}.execute-api.{region}.{suffix}/live`: where clients connect. */
  get url(): string {
    return this.stage.url;
  }

  /** `https://{api}.execute-api.{region}.{suffix}/live`: the `@connections` management endpoint the functions call. */
  get connectionsEndpoint(): string {
    return this.stage.callbackUrl;
  }

  /** One route per WEBSOCKET_ROUTES entry; a function serving several routes shares one integration. */
  addCatalogRoutes(functions: HaloFunctions): void {
    const integrations = new Map<string, WebSocketLambdaIntegration>();
    for (const { route, returnResponse, fn } of WEBSOCKET_ROUTES) {
      let integration = integrations.get(fn.name);
      if (!integration) {
        integration = new WebSocketLambdaIntegration(`${constructIdOf(fn)}Integration`, functions.get(fn.name));
        integrations.set(fn.name, integration);
      }
      // returnResponse adds the `$default` route response: the function's returned body goes back on the socket.
      new WebSocketRoute(this, `Route${routeIdOf(route)}`, {
        webSocketApi: this.api,
        routeKey: route,
        integration,
        returnResponse: Boolean(returnResponse),
      });
    }
  }
}
