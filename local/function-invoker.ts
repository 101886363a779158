import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FUNCTION_DEFAULTS, type FunctionSpec } from '../infra/catalog';
import { lambdaContext } from './lambda-context';

/** Calls "the Lambda function" for an event: in this process by default, over the Lambda API in Docker. */
export type Invoker = (fn: FunctionSpec, event: unknown) => Promise<unknown>;

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/**
 * Runs the very modules Lambda runs (functions/<name>.ts), imported once each on first use, like a
 * warm Lambda container. A handler that outlives its timeout is abandoned with an error, as Lambda does.
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
    const timeoutMs = (fn.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds) * 1000;
    const handler = await load(fn);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${fn.name} timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([handler(event, lambdaContext(fn.name, timeoutMs)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
