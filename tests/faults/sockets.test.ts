import { randomUUID } from 'node:crypto';
import { register } from '#lib/accounts/register';
import { HaloError } from '#lib/errors';
import { connectSocket, disconnectSocket } from '#lib/sockets/socket-sessions';
import { eachFault, FAULT_RUN_TIMEOUT_MS, faultCases, itemsOf, startFaultStack, type Actor, type FaultStack } from './fault-harness';

/**
 * `$connect` with a failure injected at every call of a successful handshake. A refused handshake
 * leaves no record behind (the client reconnects, under a new connection id); an accepted one leaves
 * exactly its own.
 */

let stack: FaultStack;
let main: Actor;
beforeAll(async () => {
  stack = await startFaultStack();
  main = stack.main;
});
afterAll(() => stack.close());

describe('$connect under faults', () => {
  it('refuses the handshake without leaving its record, and the reconnect gets in', async () => {
    const { user, tokens } = await register(stack.actor().account, { identifier: 'fault-connect', password: 'a sound passphrase' });
    const handshake = async (actor: Actor) => {
      const id = `conn-${randomUUID()}=`;
      await connectSocket(actor.sockets, id, tokens.accessToken);
      stack.connections.live.add(id); // $connect answered 200: API Gateway opens the socket
      return id;
    };
    main.faults.reset();
    const baseline = await handshake(main);
    const cases = faultCases(main.faults.calls);

    const problems = await eachFault(cases, async ({ index, timing }) => {
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await handshake(main).catch((error: unknown) => error);
      main.faults.reset();
      if (first instanceof HaloError) throw new Error(`refused with ${first.code} instead of the outage error`);
      if (first instanceof Error) await handshake(main);
      expect(await stack.orphans()).toEqual([]);
    });
    expect(problems).toEqual([]);
    // One record per socket that got in, and none of the refused ones.
    expect((await itemsOf(stack, user.id)).CONN).toBe(stack.connections.live.size);
    await disconnectSocket(main.sockets, baseline);
  }, FAULT_RUN_TIMEOUT_MS);
});
