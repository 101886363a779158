import { Duration } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpRoute, HttpRouteKey, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import { CORS, HTTP_ROUTES, type RouteKey } from '../catalog';
import { constructIdOf, type HaloFunctions } from './halo-functions';

/**
 * Account-wide safety net, not per-client rate limiting: it caps what a flood can cost (argon2id
 * functions are the expensive ones) while staying far above a small service's normal traffic.
 */
export const STAGE_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;

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

  constructor(scope: Construct, id: string) {
    super(scope, id);

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
    this.stage = this.api.addStage('DefaultStage', { stageName: '$default', autoDeploy: true, throttle: STAGE_THROTTLE });
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
      new HttpRoute(this, `Route${routeIdOf(route)}`, { httpApi: this.api, routeKey: routeKeyOf(route), integration });
    }
  }
}
