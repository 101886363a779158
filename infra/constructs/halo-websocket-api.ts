import { Stack, Validations } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketRoute, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeScopedWildcard } from '../nag';
import { WEBSOCKET_ROUTES, WEBSOCKET_STAGE_NAME } from '../catalog';
import { DEFAULT_STAGE_THROTTLE, type StageThrottle } from '../stage-throttle';
import { constructIdOf, type HaloFunctions } from './halo-functions';
import { routeIdOf } from './halo-http-api';

/**
 * Why the WebSocket stage has no access log (cdk-nag AwsSolutions-APIG1). Unlike HTTP APIs, WebSocket APIs
 * write logs through the account-wide API Gateway CloudWatch role (one setting per account and region,
 * shared by every API in it): a stack that set it would take it over from, or fight over it with,
 * whatever else the account runs, and without it the stage fails to deploy. Most of what the access log
 * would hold is in the functions' log groups instead: every handshake is an invocation of ws-connect and
 * every close one of ws-disconnect (Lambda logs each invocation), a refused handshake is logged with its
 * reason, and every function logs its errors.
 */
export const WEBSOCKET_ACCESS_LOG_REASON =
  'WebSocket API logging needs the account-wide API Gateway CloudWatch role, which one stack must not own (it is shared by every API in the account and region, and the stage fails to deploy without it). Every handshake and close is an invocation of ws-connect or ws-disconnect, in their log groups, and refused handshakes are logged with the reason.';

/** Why ManageConnections names every connection of the stage (cdk-nag AwsSolutions-IAM5). */
export const CONNECTION_ID_WILDCARD =
  "Connection ids are made by API Gateway at run time, so ManageConnections names any connection of this API's own stage (<api>/live/*/@connections/*), as CDK's grantManagementApiAccess does.";

/** Why the WebSocket routes have no API Gateway authorizer (cdk-nag AwsSolutions-APIG4). */
export const WEBSOCKET_AUTHORIZATION_REASON =
  'API Gateway offers no JWT authorizer for WebSocket APIs; the $connect function authenticates the access token exactly like the HTTP routes (signature, user, session) and refuses the handshake with 401, and the other routes can only be reached on a connection $connect accepted.';

export { WEBSOCKET_STAGE_NAME };

/** The route selection expression: a message `{"action":"ping"}` goes to the `ping` route, anything else to `$default`. */
export const WEBSOCKET_ROUTE_SELECTION = '$request.body.action';

/**
 * The WebSocket API behind the live avatar notifications. Like HaloHttpApi it is created before the
 * functions, which only need its id (for their `@connections` endpoint and their ManageConnections
 * grant); the routes, which need the functions, are added afterwards with `addCatalogRoutes`.
 * The stage deploys itself (autoDeploy), so it does not depend on the routes either.
 */
export class HaloWebSocketApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;

  /** `throttle`: the stage's rate and burst, the same as the HTTP API's (infra/stage-throttle.ts): a cap on what a flood of connects and messages can cost. */
  constructor(scope: Construct, id: string, { throttle = DEFAULT_STAGE_THROTTLE }: { throttle?: StageThrottle } = {}) {
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
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
    });
    Validations.of(this.stage).acknowledge({ id: 'AwsSolutions-APIG1', reason: WEBSOCKET_ACCESS_LOG_REASON });
  }

  /** `wss://{api}.execute-api.{region}.{suffix}/live`: where clients connect. */
  get url(): string {
    return this.stage.url;
  }

  /** `https://{api}.execute-api.{region}.{suffix}/live`: the `@connections` management endpoint the functions call. */
  get connectionsEndpoint(): string {
    return this.stage.callbackUrl;
  }

  /**
   * execute-api:ManageConnections on this API's stage (any connection on it: their ids are made at run
   * time), acknowledged for cdk-nag on the function's role with that reason.
   */
  grantManageConnections(fn: IFunction): void {
    this.stage.grantManagementApiAccess(fn);
    const apiArn = Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.apiId });
    if (fn.role) acknowledgeScopedWildcard(fn.role, `${apiArn}/${this.stage.stageName}/*/@connections/*`, CONNECTION_ID_WILDCARD);
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
      const webSocketRoute = new WebSocketRoute(this, `Route${routeIdOf(route)}`, {
        webSocketApi: this.api,
        routeKey: route,
        integration,
        returnResponse: Boolean(returnResponse),
      });
      Validations.of(webSocketRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: WEBSOCKET_AUTHORIZATION_REASON });
    }
  }
}
