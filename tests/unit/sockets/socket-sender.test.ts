import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { inFlightLimit } from '#lib/sockets/in-flight-limit';
import { managementApiSender } from '#lib/sockets/socket-sender';

/** A task that runs until released, recording how many run at once. */
function gate() {
  let running = 0;
  let most = 0;
  const releases: (() => void)[] = [];
  const task = () => {
    most = Math.max(most, ++running);
    return new Promise<void>((done) => releases.push(() => (running--, done())));
  };
  return { task, releases, most: () => most, running: () => running };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('inFlightLimit', () => {
  it('runs at most the limit at once, and the rest in order as slots free up', async () => {
    const run = inFlightLimit(2);
    const { task, releases, most, running } = gate();
    const order: number[] = [];
    const all = [1, 2, 3, 4, 5].map((n) => run(() => (order.push(n), task())));
    await settle();
    expect(order).toEqual([1, 2]);
    while (releases.length > 0) {
      releases.shift()?.();
      await settle();
    }
    await Promise.all(all);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(most()).toBe(2);
    expect(running()).toBe(0);
  });

  it('drops a waiting task whose signal aborts, never starting it, and keeps the others going', async () => {
    const run = inFlightLimit(1);
    const { task, releases } = gate();
    const first = run(task);
    const controller = new AbortController();
    let started = false;
    const dropped = run(() => ((started = true), task()), controller.signal);
    const third = run(task);
    controller.abort(new Error('out of time'));
    await expect(dropped).rejects.toThrow('out of time');
    releases.shift()?.();
    await first;
    await settle();
    releases.shift()?.();
    await third;
    expect(started).toBe(false);
  });

  it('starts nothing for a signal that has already ended', async () => {
    const run = inFlightLimit(5);
    let started = false;
    await expect(run(async () => void (started = true), AbortSignal.abort(new Error('too late')))).rejects.toThrow('too late');
    expect(started).toBe(false);
  });
});

describe('managementApiSender', () => {
  /** A client whose calls hang until their abort signal fires, as against a stuck endpoint. */
  function hangingClient() {
    const sent: { name: string; signal: AbortSignal }[] = [];
    const client = {
      send: (command: object, { abortSignal }: { abortSignal: AbortSignal }) => {
        sent.push({ name: command.constructor.name, signal: abortSignal });
        return new Promise((_, fail) => abortSignal.addEventListener('abort', () => fail(abortSignal.reason as Error), { once: true }));
      },
    };
    return { client: client as unknown as ApiGatewayManagementApiClient, sent };
  }

  it('keeps calls beyond its limit waiting; once the caller’s signal ends, those never go out', async () => {
    const { client, sent } = hangingClient();
    const sender = managementApiSender(client, 2);
    const controller = new AbortController();
    const closes = ['c1', 'c2', 'c3', 'c4'].map((id) => sender.close(id, { signal: controller.signal }));
    await settle();
    expect(sent.map((call) => call.name)).toEqual(['DeleteConnectionCommand', 'DeleteConnectionCommand']);

    controller.abort(new Error('the deletion is out of time'));
    const outcomes = await Promise.allSettled(closes);
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
    expect(sent).toHaveLength(2);
    expect(sent.every((call) => call.signal.aborted)).toBe(true);
  });

  it('answers gone for a connection API Gateway no longer knows, and treats closing it as done', async () => {
    const gone = Object.assign(new Error('gone'), { name: 'GoneException', $metadata: { httpStatusCode: 410 } });
    const client = { send: () => Promise.reject(gone) } as unknown as ApiGatewayManagementApiClient;
    const sender = managementApiSender(client);
    await expect(sender.send('c1', { type: 'pong' })).resolves.toBe('gone');
    await expect(sender.close('c1')).resolves.toBeUndefined();
  });
});
