import { LAMBDA_SYNC_INVOKE } from '#infra/aws-limits';

/**
 * Lambda's side of a synchronous invocation, shared by both invokers (in this process, and over the Lambda
 * API in the Docker set-up) so that the HTTP and WebSocket gateways see the same failures either way:
 * - `InvocationRefused`: Lambda refused the invocation and the function never ran (an event over the
 *   request limit: RequestEntityTooLargeException, https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
 * - `FunctionFailed`: the function ran and the invocation failed (it threw, ran out of time, or returned a
 *   result over the response limit: Function.ResponseSizeTooLarge).
 * API Gateway answers the two differently (local/gateway-answers.ts).
 */
export class InvocationRefused extends Error {
  override readonly name = 'RequestEntityTooLargeException';
}

export class FunctionFailed extends Error {
  override readonly name = 'FunctionFailed';
  constructor(
    /** Lambda's error type, e.g. `Unhandled`, `Sandbox.Timedout`, `Function.ResponseSizeTooLarge`. */
    readonly errorType: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The event as Lambda receives it (JSON, UTF-8), refused as Lambda refuses it when it is too large. */
export function requestPayload(event: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(event) ?? 'null', 'utf8');
  if (payload.length >= LAMBDA_SYNC_INVOKE.requestBytesBelow) {
    throw new InvocationRefused(`Request must be smaller than ${LAMBDA_SYNC_INVOKE.requestBytesBelow} bytes for the InvokeFunction operation`);
  }
  return payload;
}

/** A function's serialized result: over Lambda's response limit, the invocation fails as on AWS. */
export function checkResponsePayload(bytes: number): void {
  if (bytes > LAMBDA_SYNC_INVOKE.responseBytesAtMost) {
    throw new FunctionFailed(
      'Function.ResponseSizeTooLarge',
      `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${LAMBDA_SYNC_INVOKE.responseBytesAtMost} bytes).`,
    );
  }
}

/** The size of a result as Lambda serializes it (Node's runtime: JSON.stringify; `undefined` becomes `null`). */
export const resultBytes = (result: unknown): number => Buffer.byteLength(JSON.stringify(result) ?? 'null', 'utf8');
