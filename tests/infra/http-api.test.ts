import { CORS, FUNCTIONS, HTTP_ROUTES } from '#infra/catalog';
import { DEFAULT_STAGE_THROTTLE } from '#infra/stage-throttle';
import {
  apiOfProtocol,
  getAttTarget,
  lambdaOf,
  referencedIds,
  referencedResourceIds,
  removeSynthOutputs,
  resourcesOfApi,
  resourcesOfType,
  synthHalo,
  type Synthesized,
} from './halo-template';

let synth: Synthesized;
let apiId: string;
beforeAll(() => {
  synth = synthHalo();
  apiId = apiOfProtocol(synth, 'HTTP')[0];
});
afterAll(removeSynthOutputs);

describe('HTTP API routes', () => {
  it.each(HTTP_ROUTES.map(({ route, fn }) => [route, fn.name, fn] as const))('%s is served by %s', (route, _name, spec) => {
    const routes = resourcesOfApi(synth, 'AWS::ApiGatewayV2::Route', apiId).filter(([, r]) => r.Properties.RouteKey === route);
    expect(routes).toHaveLength(1);
    const [, routeResource] = routes[0] ?? [];

    // Route → Target "integrations/<Ref integration>" → IntegrationUri = GetAtt <lambda>.Arn
    const [integrationId] = referencedIds(routeResource?.Properties.Target);
    const integration = integrationId ? synth.json.Resources[integrationId] : undefined;
    expect(integration?.Type).toBe('AWS::ApiGatewayV2::Integration');
    expect(integration?.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });

    const [lambdaId] = lambdaOf(synth, spec);
    expect(getAttTarget(integration?.Properties.IntegrationUri, 'Arn')).toBe(lambdaId);
  });

  it('has no route that is not in the catalog', () => {
    const routeKeys = resourcesOfApi(synth, 'AWS::ApiGatewayV2::Route', apiId).map(([, r]) => r.Properties.RouteKey);
    expect(routeKeys.sort()).toEqual(HTTP_ROUTES.map(({ route }) => route).sort());
  });

  it('lets this API invoke exactly the functions that serve routes', () => {
    const invokedByApiGateway = new Set(
      resourcesOfType(synth, 'AWS::Lambda::Permission')
        .filter(([, p]) => p.Properties.Principal === 'apigateway.amazonaws.com')
        .filter(([, p]) => referencedResourceIds(p.Properties.SourceArn).includes(apiId))
        .map(([, p]) => getAttTarget(p.Properties.FunctionName, 'Arn')),
    );
    const served = FUNCTIONS.filter((spec) => spec.routes.length > 0).map((spec) => lambdaOf(synth, spec)[0]);
    expect([...invokedByApiGateway].sort()).toEqual(served.sort());
  });
});

describe('HTTP API settings', () => {
  it('answers CORS preflights with the catalog CORS settings', () => {
    const [, api] = apiOfProtocol(synth, 'HTTP');
    expect(api.Properties.CorsConfiguration).toEqual({
      AllowOrigins: CORS.allowOrigins,
      AllowMethods: CORS.allowMethods,
      AllowHeaders: CORS.allowHeaders,
      ExposeHeaders: CORS.exposeHeaders,
      MaxAge: CORS.maxAgeSeconds,
    });
  });

  it('throttles the one ($default, auto-deployed) stage with the default stage throttle', () => {
    const stages = resourcesOfApi(synth, 'AWS::ApiGatewayV2::Stage', apiId);
    expect(stages).toHaveLength(1);
    const [, stage] = stages[0] ?? [];
    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: DEFAULT_STAGE_THROTTLE.rateLimit, ThrottlingBurstLimit: DEFAULT_STAGE_THROTTLE.burstLimit },
    });
  });

  it('throttles the stage with the stage throttle the stack is given', () => {
    const other = synthHalo({ stageThrottle: { rateLimit: 2500.5, burstLimit: 1200 } });
    const [[, stage] = []] = resourcesOfApi(other, 'AWS::ApiGatewayV2::Stage', apiOfProtocol(other, 'HTTP')[0]);
    expect(stage?.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 2500.5, ThrottlingBurstLimit: 1200 });
  });

  it('gives the expensive routes (sign-up, login, token, password change, uploads, upload forms) throttles of their own, and no other route', () => {
    const [[stageId, stage] = []] = resourcesOfApi(synth, 'AWS::ApiGatewayV2::Stage', apiId);
    expect(stage?.Properties.RouteSettings).toEqual({
      'POST /api/register': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      'POST /api/login': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      'POST /oauth/token': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      'POST /api/user/password': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      'POST /api/user/avatar': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      'POST /api/user/avatar/upload': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    // Each key is a route of this API, and the stage is created after those routes (API Gateway refuses settings
    // for a route key it does not know yet).
    const routes = new Map(resourcesOfApi(synth, 'AWS::ApiGatewayV2::Route', apiId).map(([id, route]) => [route.Properties.RouteKey as string, id]));
    const dependsOn = (synth.template.toJSON().Resources[stageId ?? ''].DependsOn ?? []) as string[];
    for (const routeKey of Object.keys(stage?.Properties.RouteSettings ?? {})) {
      expect(routes.has(routeKey)).toBe(true);
      expect(dependsOn).toContain(routes.get(routeKey));
    }
  });

  it('never lets a route through more than the stage: a lower stage throttle caps the route throttles', () => {
    const other = synthHalo({ stageThrottle: { rateLimit: 30, burstLimit: 25 } });
    const [[, stage] = []] = resourcesOfApi(other, 'AWS::ApiGatewayV2::Stage', apiOfProtocol(other, 'HTTP')[0]);
    expect(stage?.Properties.RouteSettings).toMatchObject({
      'POST /api/register': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      'POST /api/login': { ThrottlingRateLimit: 30, ThrottlingBurstLimit: 25 },
    });
  });

  it('outputs the API endpoint as HttpApiUrl', () => {
    synth.template.hasOutput('HttpApiUrl', { Value: { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] } });
  });
});
