import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FUNCTION_DEFAULTS, type FunctionSpec } from '#infra/catalog';
import { lambdaContext } from './lambda-context';
import { checkResponsePayload, FunctionFailed, requestPayload, resultBytes } from './lambda-payload-limit';

/** Calls "the Lambda function" for an event: in this process by default, over the Lambda API in Docker. */
export type Invoker = (fn: FunctionSpec, event: unknown) => Promise<unknown>;

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/**
 * Runs the very modules Lambda runs (functions/<name>.ts), imported once each on first use, like a
 * warm Lambda container, under Lambda's rules for a synchronous invocation (local/lambda-payload-limit.ts):
 * an event over the request limit is refused before the handler runs; a handler that throws, outlives its
 * timeout (abandoned, as Lambda does) or returns a result over the response limit fails the invocation.
 */
export function inProcessInvoker(projectRoot: string): Invoker {
  const handlers = new Map<string, Promise<Handler>>();
  const load = (fn: FunctionSpec) => {
    let handler = handlers.get(fn.name);
    if (!handler) {
      const url = pathToFileURL(join(projectRoot, 'functions', `${fn.name}.ts`)).href;
      handler = import(url).then((module: { handler: Handler }) => module.handler);
      handlers.set(fn.name, handler);
    }
    return handler;
  };

  return async (fn, event) => {
    requestPayload(event); // throws InvocationRefused: the function never runs
    const failed = (errorType: string) => (error: unknown) => {
      throw new FunctionFailed(errorType, `${fn.name} failed: ${(error as Error).message}`, { cause: error });
    };
    // Lambda's init phase is not counted against the function's timeout: the module is loaded first.
    const handler = await load(fn).catch(failed('Runtime.ImportModuleError'));
    const timeoutMs = (fn.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FunctionFailed('Sandbox.Timedout', `${fn.name}: Task timed out after ${timeoutMs / 1000} seconds`)), timeoutMs);
    });
    let result: unknown;
    try {
      const run = async () => handler(event, lambdaContext(fn.name, timeoutMs));
      result = await Promise.race([run().catch(failed('Unhandled')), timeout]);
    } finally {
      clearTimeout(timer);
    }
    checkResponsePayload(resultBytes(result));
    return result;
  };
}
