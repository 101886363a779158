import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { type CfnStage, CorsHttpMethod, HttpApi, HttpMethod, HttpRoute, HttpRouteKey, type HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CORS, HTTP_ROUTES, type RouteKey } from '../catalog';
import { routeThrottles } from '../route-throttles';
import { DEFAULT_STAGE_THROTTLE, type StageThrottle } from '../stage-throttle';
import { LOG_RETENTION } from './halo-function';
import { constructIdOf, type HaloFunctions } from './halo-functions';

/**
 * One JSON line per request in the access log: enough to follow a request (its id is also in the
 * function's logs) and to see who hit what, when, and how it ended. The route key rather than the path,
 * and no query string or headers: nothing that could carry a token or a password.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
} as const;

/**
 * Authorization happens in the functions, not in API Gateway (cdk-nag AwsSolutions-APIG4): each
 * protected route verifies the bearer token's signature and then reads the user and the session, so a
 * revoked session or a deleted user is refused at once, which a JWT authorizer cannot do (it would keep
 * accepting the token until it expires). The other routes are public by design: sign-up, login, the
 * OAuth token, revocation and metadata endpoints, the public keys, avatars and the documentation.
 */
export const AUTHORIZATION_IN_FUNCTIONS =
  'Authorization happens in the functions: each protected route verifies the bearer token and then checks the user and the session in DynamoDB, so revocation and deletion take effect at once, which an API Gateway JWT authorizer cannot do. The other routes (sign-up, login, OAuth token/revoke/metadata, JWKS, avatars, docs) are public by design.';

/** `POST /api/register` → `PostApiRegister`; `$default` → `Default`, `ping` → `Ping`. Stable, so logical ids are too. */
export const routeIdOf = (route: string) =>
  route
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join('');

const routeKeyOf = (route: RouteKey): HttpRouteKey => {
  if (route === '$default') return HttpRouteKey.DEFAULT;
  const [method = '', path = ''] = route.split(' ');
  if (!(method in HttpMethod) || !path.startsWith('/')) throw new Error(`"${route}" is not an HTTP API route key`);
  return HttpRouteKey.with(path, HttpMethod[method as keyof typeof HttpMethod]);
};

/**
 * The HTTP API (payload format 2.0). Created before the functions, because their ISSUER is its
 * endpoint; the routes, which need the functions, are added afterwards with `addCatalogRoutes`.
 */
export class HaloHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  private readonly throttle: StageThrottle;
  private readonly routeThrottlesOn: boolean;

  /**
   * `throttle`: the stage's rate and burst (infra/stage-throttle.ts, a deploy option). `routeThrottlesOn`: whether the
   * expensive routes get their own throttles (infra/route-throttles.ts, a deploy option, on by default). A safety net for the whole
   * service, not per-client rate limiting: it caps what a flood can cost; the abuse limits in the functions
   * handle single clients.
   */
  constructor(
    scope: Construct,
    id: string,
    { throttle = DEFAULT_STAGE_THROTTLE, routeThrottlesOn = true }: { throttle?: StageThrottle; routeThrottlesOn?: boolean } = {},
  ) {
    super(scope, id);
    this.throttle = throttle;
    this.routeThrottlesOn = routeThrottlesOn;

    // API Gateway answers preflights itself (no OPTIONS route needed) and adds these headers to
    // every integration response, ignoring any CORS headers a function sets.
    this.api = new HttpApi(this, 'Api', {
      apiName: 'halo',
      description: 'Halo accounts: sign-up, login, OAuth 2.0 tokens',
      corsPreflight: {
        allowOrigins: CORS.allowOrigins,
        allowMethods: CORS.allowMethods.map((method) => CorsHttpMethod[method]),
        allowHeaders: CORS.allowHeaders,
        exposeHeaders: CORS.exposeHeaders,
        maxAge: Duration.seconds(CORS.maxAgeSeconds),
      },
      // HttpApiProps offers no throttling for the built-in default stage, so the same `$default` stage is added below, with limits.
      createDefaultStage: false,
    });
    // Access logs in CloudWatch Logs: HTTP APIs write them through a service-linked role, so no
    // account-wide API Gateway logging role is needed.
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: LOG_RETENTION, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }

  /** One route per HTTP_ROUTES entry; a function serving several routes shares one integration. */
  addCatalogRoutes(functions: HaloFunctions): void {
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const { route, fn } of HTTP_ROUTES) {
      let integration = integrations.get(fn.name);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${constructIdOf(fn)}Integration`, functions.get(fn.name));
        integrations.set(fn.name, integration);
      }
      const httpRoute = new HttpRoute(this, `Route${routeIdOf(route)}`, { httpApi: this.api, routeKey: routeKeyOf(route), integration });
      Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: AUTHORIZATION_IN_FUNCTIONS });
      // API Gateway refuses route settings for a route key the API does not have yet: the stage waits for its routes.
      if (fn.routeThrottle && this.routeThrottlesOn) this.stage.node.addDependency(httpRoute);
    }
    if (this.routeThrottlesOn) this.addRouteThrottles();
  }

  /**
   * The expensive routes' own throttles (infra/route-throttles.ts) as the stage's RouteSettings, keyed by route
   * key. HttpStage has no property for them, so they go on the CloudFormation stage itself; the property is untyped
   * JSON there, so its keys are written as CloudFormation spells them.
   */
  private addRouteThrottles(): void {
    const settings = Object.fromEntries(
      [...routeThrottles(this.throttle)].map(([route, { rateLimit, burstLimit }]) => [route, { ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit }]),
    );
    (this.stage.node.defaultChild as CfnStage).routeSettings = settings;
  }
}
