import { HTTP_ROUTES, type RouteKey } from './catalog';
import type { StageThrottle, ThrottleOptionReader } from './stage-throttle';

/** `-c routeThrottles=on|off` for `cdk synth`/`cdk deploy`, or the environment variable (also read by the local gateway). */
export const ROUTE_THROTTLES_OPTION = ['routeThrottles', 'HALO_ROUTE_THROTTLES'] as const;

/**
 * Whether the expensive routes get their own throttles: `on` (the default) or `off` (only the stage throttle, as
 * before: for load tests of Halo's own answers, which a route's 429 would stand in for).
 */
export function routeThrottlesOnFrom(read: ThrottleOptionReader): boolean {
  const [contextKey, envName] = ROUTE_THROTTLES_OPTION;
  const raw = read(contextKey, envName) ?? 'on';
  if (raw !== 'on' && raw !== 'off') throw new Error(`${contextKey} (${envName}) must be on or off, got "${raw}"`);
  return raw === 'on';
}

/** The same, from the environment alone: what the local gateway uses. */
export function routeThrottlesOnInEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return routeThrottlesOnFrom((_contextKey, envName) => (env[envName] === '' ? undefined : env[envName]));
}

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
