import { FUNCTIONS, HTTP_ROUTES } from '#infra/catalog';
import { DEFAULT_ROUTE, allowedMethods, matchRoute } from '#infra/route-matching';

const concrete = HTTP_ROUTES.filter(({ route }) => route !== '$default');

/** A request path for a route: `{param}` segments get a sample value. */
const requestFor = (route: string) => {
  const [method = '', path = ''] = route.split(' ');
  return { method, path: path.replace(/\{\w+\}/g, 'sample') };
};

describe('matchRoute', () => {
  it('has routes to check', () => {
    expect(concrete.length).toBeGreaterThanOrEqual(8);
  });

  it.each(concrete.map(({ route, fn }) => [route, fn.name]))('matches %s to its function %s', (route, name) => {
    const { method, path } = requestFor(route);
    const match = matchRoute(method, path);
    expect(match?.routeKey).toBe(route);
    expect(match?.fn.name).toBe(name);
  });

  it('knows the routes Halo serves', () => {
    expect(matchRoute('POST', '/api/register')?.fn.name).toBe('register');
    expect(matchRoute('POST', '/oauth/token')?.fn.name).toBe('oauth-token');
    expect(matchRoute('GET', '/.well-known/jwks.json')?.fn.name).toBe('jwks');
    expect(matchRoute('GET', '/api/user')?.pathParameters).toBeUndefined();
  });

  it.each([
    ['GET', '/api/unknown'],
    ['GET', '/'],
    ['POST', '/api/login/'],
    ['POST', '/api/login/extra'],
    ['POST', '/API/LOGIN'],
    ['POST', '/prefix/api/login'],
    ['GET', '/.well-known/jwksXjson'], // the "." is literal, not a wildcard
    ['GET', '/api/login'], // the path exists, but not for GET
    ['post', '/api/login'],
  ])('matches nothing for %s %s', (method, path) => {
    expect(matchRoute(method, path)).toBeUndefined();
  });
});

describe('allowedMethods', () => {
  it('lists the methods a path is served with', () => {
    expect(allowedMethods('/api/login')).toEqual(['POST']);
    expect(allowedMethods('/api/user')).toContain('GET');
    expect(allowedMethods('/.well-known/jwks.json')).toEqual(['GET']);
  });

  it('is empty for a path no route serves', () => {
    expect(allowedMethods('/api/nothing-here')).toEqual([]);
    expect(allowedMethods('/api/login/')).toEqual([]);
  });

  it.each(concrete.map(({ route }) => [route]))('includes the method of %s for its path', (route) => {
    const { method, path } = requestFor(route);
    expect(allowedMethods(path)).toContain(method);
  });
});

describe('DEFAULT_ROUTE', () => {
  it('sends unmatched requests to the not-found function', () => {
    expect(DEFAULT_ROUTE?.fn.name).toBe('not-found');
    expect(FUNCTIONS.filter((fn) => fn.routes.includes('$default'))).toHaveLength(1);
  });
});
