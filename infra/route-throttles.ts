import { HTTP_ROUTES, type RouteKey } from './catalog';
import type { StageThrottle } from './stage-throttle';

/**
 * The HTTP API's per-route throttles: each route of a catalog function with a `routeThrottle`, at that throttle
 * capped by the stage's. One definition read by the CDK stack (the stage's RouteSettings, keyed by route key:
 * infra/constructs/halo-http-api.ts) and by the local gateway (a bucket per route key: local/gateway-server.ts).
 * Free of CDK imports: the local gateway loads it at run time.
 *
 * AWS documents route-level throttling as overriding the stage's limits for that route
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html; the property is the
 * stage's RouteSettings map, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-stage.html).
 * So a route limit above the stage's would let that route through more than the whole stage: the cap keeps
 * the stage throttle a ceiling for every route, also when a deployment lowers it (`throttleRate`, `throttleBurst`).
 */
export function routeThrottles(stage: StageThrottle): ReadonlyMap<RouteKey, StageThrottle> {
  const throttles = new Map<RouteKey, StageThrottle>();
  for (const { route, fn } of HTTP_ROUTES) {
    if (!fn.routeThrottle) continue;
    throttles.set(route, {
      rateLimit: Math.min(fn.routeThrottle.rateLimit, stage.rateLimit),
      burstLimit: Math.min(fn.routeThrottle.burstLimit, stage.burstLimit),
    });
  }
  return throttles;
}
