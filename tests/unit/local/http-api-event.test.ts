import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clfTime } from '#local/aws-formats';
import { httpApi } from '#local/http-api';

/** The payload 2.0 event the local HTTP API builds, against AWS's documented example event. */
async function eventFor(path: string): Promise<{ event: APIGatewayProxyEventV2; requestIdHeader: string | null }> {
  let event: APIGatewayProxyEventV2 | undefined;
  const api = httpApi(async (_fn, received) => {
    event = received as APIGatewayProxyEventV2;
    return { statusCode: 200, body: '{}' };
  }, 'localhost:3000');
  const server = createServer((req, res) => void api(req, res));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    await response.text();
    if (!event) throw new Error('no function was invoked');
    return { event, requestIdHeader: response.headers.get('apigw-requestid') };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

describe('the local HTTP API payload 2.0 event', () => {
  it('says when the request came in the way AWS does: time in the Common Log Format, timeEpoch in milliseconds', async () => {
    const before = Date.now();
    const { event } = await eventFor('/.well-known/jwks.json');
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html: "time": "12/Mar/2020:19:03:58 +0000"
    expect(event.requestContext.time).toMatch(/^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(event.requestContext.timeEpoch).toBeGreaterThanOrEqual(before);
    expect(event.requestContext.time).toBe(clfTime(event.requestContext.timeEpoch));
    expect(event.requestContext.stage).toBe('$default');
  });

  it('adds the headers API Gateway adds: X-Forwarded-For, -Proto, -Port and X-Amzn-Trace-Id', async () => {
    const { event } = await eventFor('/.well-known/jwks.json');
    expect(event.headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': expect.stringMatching(/^\d+$/),
      'x-amzn-trace-id': expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
    });
  });

  it('gives the request an id shaped like API Gateway’s, the same in the event and the apigw-requestid header', async () => {
    const { event, requestIdHeader } = await eventFor('/.well-known/jwks.json');
    expect(event.requestContext.requestId).toMatch(/^[A-Za-z0-9_-]{15}=$/);
    expect(requestIdHeader).toBe(event.requestContext.requestId);
  });
});

describe('clfTime', () => {
  it.each([
    [Date.UTC(2020, 2, 12, 19, 3, 58), '12/Mar/2020:19:03:58 +0000'],
    [Date.UTC(2015, 3, 9, 12, 34, 56, 999), '09/Apr/2015:12:34:56 +0000'],
    [Date.UTC(2024, 0, 1, 0, 0, 0), '01/Jan/2024:00:00:00 +0000'],
  ])('formats %d as %s', (epoch, formatted) => {
    expect(clfTime(epoch)).toBe(formatted);
  });
});
