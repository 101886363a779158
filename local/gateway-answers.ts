import { InvocationRefused } from './lambda-payload-limit';

/**
 * The answers API Gateway's HTTP API writes itself when a request cannot reach the function or the function
 * cannot answer: `{"message":"…"}` as `application/json`, with the `apigw-requestid` header every HTTP API
 * answer carries. One rule for the embedded gateway and the Docker set-up's (both invokers throw the errors of
 * local/lambda-payload-limit.ts).
 *
 * Sources:
 * - 500 `{"message":"Internal Server Error"}` for a function that fails:
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html, and AWS's
 *   own emulator (aws/aws-lambda-dotnet, Tools/LambdaTestTool-v2, InvokeResponseExtensions.ToHttpApiV2ErrorResponse:
 *   status 500, that body, Content-Type application/json), which answers a result over Lambda's response limit
 *   (Function.ResponseSizeTooLarge) the same way, as a function error.
 * - 413 `{"message":"Request Entity Too Large"}` when Lambda refuses the event as too large: the same emulator
 *   (ApiGatewayEmulatorProcess: RequestEntityTooLargeException → ToHttpApiV2RequestTooLargeResponse, and its test
 *   LargePayloadTests.TestLambdaWithLargeRequestPayload_HttpV2). Lambda's page
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html says a refused invocation is a
 *   500 in general; for this refusal the emulator's 413 is followed.
 * - 413 for a body over the HTTP API's 10 MB: status documented (quotas), body unverified: the same
 *   `{"message":"Request Entity Too Large"}` is assumed.
 * - 503 `{"message":"Service Unavailable"}` when the 30 s integration timeout passes: seen on a real HTTP API
 *   (cortexlabs/cortex issue 1225: status 503, that 33-byte body, apigw-requestid). That capture shows no
 *   Content-Type; application/json is sent here like the other answers (unverified).
 */
export interface GatewayAnswer {
  readonly status: 413 | 500 | 503;
  readonly message: string;
}

export const GATEWAY_ANSWERS = {
  requestTooLarge: { status: 413, message: 'Request Entity Too Large' },
  functionFailed: { status: 500, message: 'Internal Server Error' },
  timedOut: { status: 503, message: 'Service Unavailable' },
} as const satisfies Record<string, GatewayAnswer>;

/** The integration did not answer within the HTTP API's integration timeout. */
export class IntegrationTimedOut extends Error {
  override readonly name = 'IntegrationTimedOut';
}

/**
 * What API Gateway answers for an invocation that did not produce a result: 413 when Lambda refused the event,
 * 503 when the integration timed out, 500 for everything else (the function failed, or the Lambda API could not
 * be reached: https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html).
 */
export function answerForFailedIntegration(error: unknown): GatewayAnswer {
  if (error instanceof InvocationRefused) return GATEWAY_ANSWERS.requestTooLarge;
  if (error instanceof IntegrationTimedOut) return GATEWAY_ANSWERS.timedOut;
  return GATEWAY_ANSWERS.functionFailed;
}

/** Runs an invocation under the integration timeout: past it, the gateway stops waiting (the function may go on). */
export async function withinIntegrationTimeout<T>(invocation: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IntegrationTimedOut(`the integration did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([invocation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
