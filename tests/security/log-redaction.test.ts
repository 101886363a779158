import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { httpEvent } from '../support/http-event';

/**
 * The functions' logger, as configured at its most talkative: LOG_LEVEL=DEBUG and
 * POWERTOOLS_LOGGER_LOG_EVENT=true are set before the module is loaded, as Lambda would set them.
 */
const PASSWORD = 'correct horse battery staple';
const JWT = 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVzLW9mLWFuLWVzMjU2LWtleQ';
const REFRESH = 'Qm9yaW5nQnV0UmFuZG9tMzJCeXRlc09mUmVmcmVzaA1';

const context = { awsRequestId: 'request-1', functionName: 'login', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:login' } as Context;
const credentialEvent = () =>
  httpEvent({
    method: 'POST',
    path: '/api/login',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${JWT}` },
    body: JSON.stringify({ identifier: 'ann', password: PASSWORD, refreshToken: REFRESH }),
  });

let written: string[] = [];
const originalWrites = { stdout: process.stdout.write, stderr: process.stderr.write };
const previous = { ...process.env };
beforeAll(() => {
  process.env.LOG_LEVEL = 'DEBUG';
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  delete process.env.POWERTOOLS_DEV;
});
afterAll(() => {
  process.env = previous;
});
beforeEach(() => {
  written = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(chunk.toString());
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
});
afterEach(() => {
  process.stdout.write = originalWrites.stdout;
  process.stderr.write = originalWrites.stderr;
});

const output = () => written.join('');
const entries = () => output().trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the functions never log the invocation event', () => {
  it('would log it with a stock Powertools Logger under this environment (so the checks below can fail)', async () => {
    const stock = new Logger({ serviceName: 'halo' });
    await middy(async () => ({ statusCode: 200 })).use(injectLambdaContext(stock))(credentialEvent(), context);
    expect(output()).toContain('Lambda invocation event');
  });

  it('does not, with LOG_LEVEL=DEBUG, POWERTOOLS_LOGGER_LOG_EVENT=true, or even logEvent: true asked for in code', async () => {
    const logger = (await import('#functions/common/logger')).logger();
    expect(logger.getLevelName()).toBe('DEBUG');
    const handler = middy(async () => {
      logger.debug('handled');
      return { statusCode: 200 };
    }).use(injectLambdaContext(logger, { logEvent: true }));
    await handler(credentialEvent(), context);
    logger.logEventIfEnabled(credentialEvent(), true);

    expect(entries().map((entry) => entry.message)).toEqual(['handled']);
    expect(output()).not.toContain(PASSWORD);
    expect(output()).not.toContain(JWT);
  });
});

describe('a failing route logs a structured entry without secrets', () => {
  it('scrubs the error, its cause and whatever request it carries', async () => {
    const { jsendRoute } = await import('#functions/common/http-route');
    const handler = jsendRoute(async (event) => {
      const cause = new Error(`refresh token ${REFRESH} rejected by the store`);
      throw Object.assign(new Error(`could not use ${JWT}`, { cause }), { request: { headers: event.headers, body: event.body } });
    });
    const reply = await handler(credentialEvent(), context);
    expect(reply.statusCode).toBe(500);

    const [entry, ...rest] = entries();
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ level: 'ERROR', message: 'request failed', service: 'halo', route: 'POST /api/login' });
    expect(entry?.error).toMatchObject({ message: 'could not use [redacted:jwt]', cause: { message: expect.stringContaining('[redacted:opaque-token]') } });
    for (const secret of [PASSWORD, JWT, REFRESH]) expect(output()).not.toContain(secret);
  });

  it('logs why a request was left unfinished (503) as an error, with its cause, and nothing of the client', async () => {
    const { jsendRoute } = await import('#functions/common/http-route');
    const { HaloError } = await import('#lib/errors');
    const handler = jsendRoute(async () => {
      const cause = new AggregateError([new Error('socket gone quiet')], 'could not close 1 sockets of user-1');
      throw new HaloError('unavailable', { deletion: 'not finished' }, { retryAfterSeconds: 2, cause });
    });
    const reply = await handler(credentialEvent(), context);
    expect(reply.statusCode).toBe(503);

    const [entry, ...rest] = entries();
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ level: 'ERROR', message: 'request left unfinished', code: 'unavailable', route: 'POST /api/login' });
    expect(entry?.error).toMatchObject({ message: 'could not close 1 sockets of user-1' });
    expect(output()).not.toContain(PASSWORD);
  });

  it('keeps redacting in child loggers', async () => {
    const logger = (await import('#functions/common/logger')).logger();
    logger.createChild({ persistentKeys: { part: 'child' } }).info('child entry', { password: PASSWORD, note: `Bearer ${REFRESH}` });
    expect(entries()).toEqual([expect.objectContaining({ message: 'child entry', part: 'child', password: '[redacted]', note: 'Bearer [redacted]' })]);
  });
});
