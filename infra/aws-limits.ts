/**
 * Limits AWS enforces on a request's way through API Gateway's HTTP API to Lambda and back, in one place:
 * the local gateway (local/) enforces them as AWS does, and what Halo advertises (the API path's avatar
 * upload limit) is derived from them. Plain numbers, no CDK: functions and the local stack load this file.
 */

/**
 * Lambda's synchronous invocation (what API Gateway does): the serialized event and the function's serialized
 * result are each limited. The quotas page says "6 MB each for request and response"
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); the exact bytes are in the
 * errors Lambda answers with, which differ by 100 bytes:
 * - request: the Invoke API refuses with RequestEntityTooLargeException "Request must be smaller than
 *   6291456 bytes for the InvokeFunction operation" (6 MiB); API Gateway's execution log says "… payload is
 *   too large for the RequestResponse invocation type (limit 6291456 bytes)". "Smaller than" is taken
 *   literally: at most 6,291,455 bytes (whether exactly 6,291,456 passes is unverified; one byte of margin).
 * - response: the runtime API refuses a result with "Exceeded maximum allowed payload size (6291556 bytes)"
 *   (errorType RequestEntityTooLarge, the invocation then fails with Function.ResponseSizeTooLarge): at most
 *   6,291,556 bytes (6 MiB + 100).
 * AWS's own local emulator (aws/aws-lambda-dotnet, Tools/LambdaTestTool-v2, Services/LambdaRuntimeAPI.cs)
 * models both and answers the request case with RequestEntityTooLargeException as well. LocalStack 4.14 uses
 * 6 MiB + 100 for both directions (LOCALSTACK_MAX_PAYLOAD_SIZE), which is why the gateway checks the request
 * itself before it invokes LocalStack.
 */
export const LAMBDA_SYNC_INVOKE = {
  /** A serialized event of this many bytes or more is refused before the function runs. */
  requestBytesBelow: 6 * 1024 * 1024,
  /** A serialized result over this many bytes fails the invocation. */
  responseBytesAtMost: 6 * 1024 * 1024 + 100,
} as const;

/**
 * API Gateway HTTP API quotas (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html):
 * payload size 10 MB, maximum integration timeout 30 seconds (neither can be raised), and a total of
 * 10,240 bytes for the request line and the header values.
 */
export const HTTP_API = {
  payloadBytes: 10 * 1024 * 1024,
  integrationTimeoutMs: 30_000,
  requestLineAndHeaderValuesBytes: 10_240,
} as const;

/**
 * Room kept in a Lambda event for everything that is not the body. The HTTP API caps the request line and
 * header values at 10,240 bytes; in a payload 2.0 event the path and the query appear twice (rawPath and
 * requestContext.http.path, rawQueryString and queryStringParameters), the header names come on top of their
 * values (the quota does not count them), JSON escaping can double a value made of `"` and `\`, and the
 * fixed fields (requestContext, routeKey, ids, times: about 1 KB) add to that: 10,240 × 2 × 2 + header names
 * + 1 KB stays well inside 64 KiB. Not covered: a request whose header names alone run into tens of KB (the
 * quota does not say how names count: unverified); such a request is refused by the gateway's 413, not by
 * Halo.
 */
export const EVENT_ENVELOPE_HEADROOM_BYTES = 64 * 1024;

/**
 * The largest binary body (one API Gateway base64-encodes into the event: 4 characters per 3 bytes, rounded
 * up) whose event stays under Lambda's request limit with the headroom above: 4,669,437 bytes.
 */
export const MAX_BINARY_BODY_IN_EVENT_BYTES =
  Math.floor((LAMBDA_SYNC_INVOKE.requestBytesBelow - 1 - EVENT_ENVELOPE_HEADROOM_BYTES) / 4) * 3;
