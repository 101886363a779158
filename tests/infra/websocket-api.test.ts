import { FUNCTIONS, WEBSOCKET_ROUTES } from '#infra/catalog';
import { WEBSOCKET_ROUTE_SELECTION, WEBSOCKET_STAGE_NAME } from '#infra/constructs/halo-websocket-api';
import { DEFAULT_STAGE_THROTTLE } from '#infra/stage-throttle';
import {
  apiIdStandIn,
  apiOfProtocol,
  getAttTarget,
  lambdaOf,
  referencedIds,
  referencedResourceIds,
  removeSynthOutputs,
  resourcesOfApi,
  resourcesOfType,
  STAND_IN_ACCOUNT,
  STAND_IN_REGION,
  standIn,
  synthHalo,
  type Resource,
  type Synthesized,
} from './halo-template';

let synth: Synthesized;
let api: [string, Resource];
beforeAll(() => {
  synth = synthHalo();
  api = apiOfProtocol(synth, 'WEBSOCKET');
});
afterAll(removeSynthOutputs);

const routesOf = () => resourcesOfApi(synth, 'AWS::ApiGatewayV2::Route', api[0]);
const fromApiGateway = () =>
  resourcesOfType(synth, 'AWS::Lambda::Permission').filter(
    ([, p]) => p.Properties.Principal === 'apigateway.amazonaws.com' && referencedResourceIds(p.Properties.SourceArn).includes(api[0]),
  );

describe('WebSocket API routes', () => {
  it('selects routes by the `action` of a JSON message', () => {
    expect(api[1].Properties.RouteSelectionExpression).toBe(WEBSOCKET_ROUTE_SELECTION);
    expect(WEBSOCKET_ROUTE_SELECTION).toBe('$request.body.action');
  });

  it.each(WEBSOCKET_ROUTES.map((spec) => [spec.route, spec.fn.name, spec] as const))('%s is served by %s', (route, _name, spec) => {
    const routes = routesOf().filter(([, r]) => r.Properties.RouteKey === route);
    expect(routes).toHaveLength(1);
    const [routeId, routeResource] = routes[0] ?? [];

    // Route → Target "integrations/<Ref integration>" → IntegrationUri ends in the function's ARN
    const [integrationId] = referencedIds(routeResource?.Properties.Target);
    const integration = integrationId ? synth.json.Resources[integrationId] : undefined;
    expect(integration?.Type).toBe('AWS::ApiGatewayV2::Integration');
    expect(integration?.Properties.IntegrationType).toBe('AWS_PROXY');
    expect(referencedIds(integration?.Properties.ApiId)).toEqual([api[0]]);
    const [lambdaId] = lambdaOf(synth, spec.fn);
    expect(referencedResourceIds(integration?.Properties.IntegrationUri)).toEqual([lambdaId]);

    // API Gateway may invoke the function for this route of this API (and no other API's).
    const permissions = fromApiGateway().filter(([, p]) => getAttTarget(p.Properties.FunctionName, 'Arn') === lambdaId);
    expect(permissions.map(([, p]) => standIn(synth, p.Properties.SourceArn))).toContain(
      `arn:aws:execute-api:${STAND_IN_REGION}:${STAND_IN_ACCOUNT}:${apiIdStandIn(api[0])}/*${route}`,
    );

    // returnResponse: a `$default` route response, so the function's returned body goes back on the socket.
    const responses = resourcesOfApi(synth, 'AWS::ApiGatewayV2::RouteResponse', api[0]).filter(([, r]) =>
      referencedIds(r.Properties.RouteId).includes(routeId ?? ''),
    );
    if (spec.returnResponse) {
      expect(responses.map(([, r]) => r.Properties.RouteResponseKey)).toEqual(['$default']);
      expect(routeResource?.Properties.RouteResponseSelectionExpression).toBe('$default');
    } else {
      expect(responses).toEqual([]);
      expect(routeResource?.Properties.RouteResponseSelectionExpression).toBeUndefined();
    }
  });

  it('has no route that is not in the catalog', () => {
    const routeKeys = routesOf().map(([, r]) => r.Properties.RouteKey);
    expect(routeKeys.sort()).toEqual(WEBSOCKET_ROUTES.map(({ route }) => route).sort());
  });

  it('has the three routes API Gateway needs for a managed socket', () => {
    expect(routesOf().map(([, r]) => r.Properties.RouteKey)).toEqual(expect.arrayContaining(['$connect', '$disconnect', '$default']));
  });

  it('lets this API invoke exactly the functions that serve its routes', () => {
    const invoked = new Set(fromApiGateway().map(([, p]) => getAttTarget(p.Properties.FunctionName, 'Arn')));
    const served = FUNCTIONS.filter((spec) => (spec.websocketRoutes ?? []).length > 0).map((spec) => lambdaOf(synth, spec)[0]);
    expect([...invoked].sort()).toEqual(served.sort());
  });
});

describe('WebSocket API stage', () => {
  it(`is one auto-deployed, throttled stage named ${WEBSOCKET_STAGE_NAME}`, () => {
    const stages = resourcesOfApi(synth, 'AWS::ApiGatewayV2::Stage', api[0]);
    expect(stages).toHaveLength(1);
    expect(stages[0]?.[1].Properties).toMatchObject({
      StageName: WEBSOCKET_STAGE_NAME,
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: DEFAULT_STAGE_THROTTLE.rateLimit, ThrottlingBurstLimit: DEFAULT_STAGE_THROTTLE.burstLimit },
    });
  });

  it('is throttled with the stage throttle the stack is given, like the HTTP API', () => {
    const other = synthHalo({ stageThrottle: { rateLimit: 40, burstLimit: 80 } });
    const [[, stage] = []] = resourcesOfApi(other, 'AWS::ApiGatewayV2::Stage', apiOfProtocol(other, 'WEBSOCKET')[0]);
    expect(stage?.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 });
  });

  it('depends on no function: the functions refer to the API, so the reverse would be a cycle', () => {
    const lambdas = new Set(resourcesOfType(synth, 'AWS::Lambda::Function').map(([id]) => id));
    for (const [, resource] of [api, ...resourcesOfApi(synth, 'AWS::ApiGatewayV2::Stage', api[0])]) {
      expect(referencedResourceIds(resource.Properties).filter((id) => lambdas.has(id))).toEqual([]);
      expect((resource.DependsOn ?? []).filter((id) => lambdas.has(id))).toEqual([]);
    }
  });

  it('outputs the wss:// URL of the stage as WebSocketUrl', () => {
    const output = synth.json.Outputs.WebSocketUrl as { Value: unknown } | undefined;
    expect(output).toBeDefined();
    expect(standIn(synth, output?.Value)).toBe(`wss://${apiIdStandIn(api[0])}.execute-api.${STAND_IN_REGION}.amazonaws.com/${WEBSOCKET_STAGE_NAME}`);
  });
});
