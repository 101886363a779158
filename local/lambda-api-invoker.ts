import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { FunctionSpec } from '#infra/catalog';
import type { Invoker } from './function-invoker';
import { checkResponsePayload, FunctionFailed, InvocationRefused, requestPayload } from './lambda-payload-limit';

/**
 * Invokes deployed functions through the Lambda API (LocalStack's, in the Docker set-up), as API
 * Gateway's Lambda integration does: synchronously, the event as the payload, the result parsed back.
 * Failures become the errors of local/lambda-payload-limit.ts, which the gateways answer as AWS's do: an
 * event over Lambda's request limit is refused here before it is sent (LocalStack lets 100 bytes more
 * through than AWS), a RequestEntityTooLargeException from the Lambda API is the same refusal, and a
 * function error (an uncaught exception, a timeout, a result over the response limit) is a failed function.
 */
export function lambdaApiInvoker(client: LambdaClient, functionName: (fn: FunctionSpec) => string): Invoker {
  return async (fn, event) => {
    const name = functionName(fn);
    let result;
    try {
      result = await client.send(new InvokeCommand({ FunctionName: name, InvocationType: 'RequestResponse', Payload: requestPayload(event) }));
    } catch (error) {
      if ((error as Error).name === 'RequestEntityTooLargeException') throw new InvocationRefused((error as Error).message, { cause: error });
      throw error;
    }
    const payload = result.Payload ? Buffer.from(result.Payload) : Buffer.alloc(0);
    if (result.FunctionError) throw new FunctionFailed(result.FunctionError, `${name} failed (${result.FunctionError}): ${payload.toString('utf8', 0, 500)}`);
    checkResponsePayload(payload.length);
    return payload.length > 0 ? JSON.parse(payload.toString('utf8')) : undefined;
  };
}
