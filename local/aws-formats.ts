import { randomBytes } from 'node:crypto';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/**
 * API Gateway's request time, in the Common Log Format and UTC: `12/Mar/2020:19:03:58 +0000`. It is the
 * `requestContext.time` of an HTTP API payload 2.0 event (the example event in
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html), the
 * `$context.requestTime` variable ("The CLF-formatted request time (dd/MMM/yyyy:HH:mm:ss +-hhmm)",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html), and the
 * `requestContext.requestTime` of WebSocket API events (`20/Jan/2024:11:55:08 +0000` in the WebSocket events
 * AWS's Lambda Go library keeps as test data, events/testdata/apigw-websocket-request-*.json in aws/aws-lambda-go).
 */
export function clfTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/**
 * An id shaped like API Gateway's own request, message and connection ids: 16 characters of base64 ending in
 * one `=` (for example `R1koeHsUtjMFbRw=` and `LV7fzho-PHcEJPw=` in AWS's sample events). AWS documents them
 * as opaque strings; only the shape is mirrored, so that nothing (a log parser, a length check) works locally
 * on a UUID and fails on AWS's ids. The HTTP API's use the URL-safe alphabet (`-`, `_`), as in its samples.
 */
export function apiGatewayId(alphabet: 'base64' | 'base64url' = 'base64'): string {
  const id = randomBytes(11).toString('base64');
  return alphabet === 'base64url' ? id.replace(/\+/g, '-').replace(/\//g, '_') : id;
}

/**
 * The `X-Amzn-Trace-Id` header API Gateway adds to the request it passes on: `Root=1-<epoch seconds, 8 hex
 * digits>-<24 hex digits>`, as in AWS's example HTTP API event (`Root=1-5e9f0c65-1de4d666d4dd26aced652b6c`) and
 * the X-Ray trace id format (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html#xray-api-traceids).
 */
export function amznTraceId(epochMs: number): string {
  return `Root=1-${Math.floor(epochMs / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
}
