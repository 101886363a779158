import type { ServerResponse } from 'node:http';
import type { RouteKey } from '#infra/catalog';
import type { StageThrottle } from '#infra/stage-throttle';

/** Milliseconds from any fixed origin; injectable so that tests move time instead of waiting for it. */
export type Clock = () => number;

export interface TokenBucket {
  /** Takes one token: true when the request may pass, false when the stage throttles it. */
  take(): boolean;
}

/**
 * API Gateway's stage throttle as AWS documents it: a token bucket of `burstLimit` tokens, refilled at
 * `rateLimit` tokens a second, one token per request; an empty bucket means 429. It starts full, so a
 * burst of `burstLimit` requests passes at once, and then `rateLimit` a second.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-protect.html
 *
 * Written out rather than taken from a library: the algorithm is these few lines, and the rate-limiter
 * packages on npm either queue callers until a token frees up (API Gateway refuses at once) or count per
 * client key (the stage throttle is one bucket for everyone).
 *
 * Differences left, on purpose: AWS applies the throttle "on a best-effort basis" across many hosts, so
 * it may let a few more through than the bucket holds; here the bucket is exact. The account-level quota
 * (10,000 requests/s, 5,000 burst, shared by every API of the account and Region) is not emulated: the
 * stage throttle can only be lower than it on a working deployment.
 */
export function tokenBucket({ rateLimit, burstLimit }: StageThrottle, now: Clock = () => performance.now()): TokenBucket {
  let tokens = burstLimit;
  let filledAt = now();
  return {
    take() {
      const at = now();
      tokens = Math.min(burstLimit, tokens + (Math.max(0, at - filledAt) / 1000) * rateLimit);
      filledAt = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/** The two stages of the local gateway: each API has its own stage, so each its own bucket. */
export interface StageThrottles {
  readonly http: TokenBucket;
  readonly webSocket: TokenBucket;
}

export function stageThrottles(throttle: StageThrottle, now?: Clock): StageThrottles {
  return { http: tokenBucket(throttle, now), webSocket: tokenBucket(throttle, now) };
}

/**
 * The HTTP API's throttle as a whole: a bucket of its own for each route with route settings
 * (infra/route-throttles.ts), the stage's bucket for every other request (one that matches no route included:
 * it goes to `$default`). A route's settings override the stage's for that route
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html), so here a request
 * on such a route takes a token from its route's bucket only. Unverified: whether AWS also counts it against
 * the stage's default bucket; AWS's pages do not say.
 */
export interface HttpThrottle {
  /** Takes one token for a request on `route` (undefined: no route matched). */
  take(route: RouteKey | undefined): boolean;
}

export function httpThrottle(stage: TokenBucket, routes: ReadonlyMap<RouteKey, StageThrottle>, now?: Clock): HttpThrottle {
  const buckets = new Map([...routes].map(([route, throttle]) => [route, tokenBucket(throttle, now)]));
  return { take: (route) => ((route && buckets.get(route)) ?? stage).take() };
}

/**
 * What API Gateway answers a throttled request: 429 Too Many Requests (the throttling pages above). The body is
 * the HTTP API's `{"message": …}` shape of its own answers, as in `{"message":"Not Found"}` and
 * `{"message":"Internal Server Error"}`; AWS's troubleshooting page for 429s names the message "Too Many Requests"
 * (https://repost.aws/knowledge-center/api-gateway-429-limit). No Retry-After: API Gateway sends none.
 */
export const THROTTLED_MESSAGE = 'Too Many Requests';
export const THROTTLED_BODY = JSON.stringify({ message: THROTTLED_MESSAGE });

/**
 * A throttled HTTP API request. `extraHeaders` are the local gateway's own additions to every answer it writes
 * (the security headers: see GATEWAY_HEADERS in http-api.ts for why they differ from AWS).
 */
export function answerThrottled(res: ServerResponse, requestId: string, extraHeaders: Readonly<Record<string, string>>): void {
  res
    .writeHead(429, { ...extraHeaders, 'content-type': 'application/json', 'apigw-requestid': requestId })
    .end(THROTTLED_BODY);
}
