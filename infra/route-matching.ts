import type { FunctionSpec, RouteKey } from './catalog';
import { HTTP_ROUTES } from './catalog';

export interface RouteMatch {
  readonly fn: FunctionSpec;
  readonly routeKey: RouteKey;
  readonly pathParameters?: Record<string, string>;
}

const compiled = HTTP_ROUTES.filter(({ route }) => route !== '$default').map(({ route, fn }) => {
  const [method, path = ''] = route.split(' ');
  const names: string[] = [];
  const pattern = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_match, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, fn, method, path, regex: new RegExp(`^${pattern}$`), names };
});

/** API Gateway's matching for the routes Halo uses: exact method, literal segments and `{param}` segments. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const candidate of compiled) {
    if (candidate.method !== method) continue;
    const match = candidate.regex.exec(path);
    if (!match) continue;
    const pathParameters = Object.fromEntries(candidate.names.map((name, i) => [name, safeDecode(match[i + 1] ?? '')]));
    return { fn: candidate.fn, routeKey: candidate.route, pathParameters: candidate.names.length ? pathParameters : undefined };
  }
  return undefined;
}

/** The methods that would have matched this path: what a 405 lists in `Allow`. */
export function allowedMethods(path: string): string[] {
  return compiled.filter((candidate) => candidate.regex.test(path)).map((candidate) => candidate.method ?? '');
}

export const DEFAULT_ROUTE = HTTP_ROUTES.find(({ route }) => route === '$default');

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape reaches the handler as sent, where validation refuses it
  }
}
