import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { FunctionSpec } from '../infra/catalog';
import type { Invoker } from './function-invoker';

/**
 * Invokes deployed functions through the Lambda API (LocalStack's, in the Docker set-up), as API
 * Gateway's Lambda integration does: synchronously, the event as the payload, the result parsed back.
 * A function error (an uncaught exception) becomes a thrown error, which the gateway answers 500.
 */
export function lambdaApiInvoker(client: LambdaClient, functionName: (fn: FunctionSpec) => string): Invoker {
  return async (fn, event) => {
    const result = await client.send(
      new InvokeCommand({ FunctionName: functionName(fn), InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const payload = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
    if (result.FunctionError) throw new Error(`${functionName(fn)} failed (${result.FunctionError}): ${payload.slice(0, 500)}`);
    return payload ? JSON.parse(payload) : undefined;
  };
}
