import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { OPENAPI_FILE } from './contract';

export interface BearerRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path template (`/api/user/sessions/{sessionId}`). */
  readonly template: string;
  /** A path to call: each `{param}` filled with a harmless value, which a refused token never gets to read. */
  readonly path: string;
  /**
   * The specification's example JSON body, when the operation documents one: a forged token is sent with a request
   * that would change something if it were accepted, not one the route would refuse for its body anyway.
   */
  readonly jsonBody?: string;
}

type Operation = {
  security?: Record<string, unknown>[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
};

/**
 * Every HTTP operation docs/openapi.yaml says takes a Bearer access token: the suites that attack tokens or
 * fuzz the Authorization header take their routes from here, so a route added to the specification is attacked
 * the day it is added, without anyone remembering to list it.
 */
export function bearerRoutes(openapiText = readFileSync(OPENAPI_FILE, 'utf8')): BearerRoute[] {
  const spec = parseYaml(openapiText) as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(spec.paths).flatMap(([template, operations]) =>
    Object.entries(operations)
      .filter(([, operation]) => operation.security?.some((requirement) => 'bearerAuth' in requirement))
      .map(([method, operation]) => {
        const example = operation.requestBody?.content?.['application/json']?.example;
        return {
          method: method.toUpperCase() as BearerRoute['method'],
          template,
          path: template.replace(/\{[^}]+\}/g, 'placeholder'),
          ...(example === undefined ? {} : { jsonBody: JSON.stringify(example) }),
        };
      }),
  );
}
