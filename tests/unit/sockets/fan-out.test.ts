import { CONNECTING_GRACE_MS, fanOut } from '#lib/sockets/fan-out';
import { createFakeSocketSender } from '#tests/support/fake-socket-sender';
import { createInMemoryConnections } from '#tests/support/in-memory-connections';

const ALICE = 'alice';
const MESSAGE = { type: 'avatar.changed', data: { userId: ALICE } };

/** Lets every promise that can settle without outside help settle (no timers involved). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function setup(ids = ['c1', 'c2', 'c3']) {
  const connections = createInMemoryConnections();
  const sockets = createFakeSocketSender();
  for (const connectionId of ids) await connections.put({ connectionId, userId: ALICE, connectedAt: '2025-03-01T12:00:00.000Z' });
  await connections.put({ connectionId: 'other', userId: 'bob', connectedAt: '2025-03-01T12:00:00.000Z' });
  return { connections, sockets, deps: { connections, sockets } };
}

describe('fanOut', () => {
  it('sends the message to every socket of the user and to no one else', async () => {
    const { deps, sockets } = await setup();

    expect(await fanOut(deps, ALICE, MESSAGE)).toEqual({ sent: 3, gone: 0, failed: 0 });
    expect(sockets.sent).toEqual(['c1', 'c2', 'c3'].map((connectionId) => ({ connectionId, message: MESSAGE })));
  });

  it('does nothing for a user without sockets', async () => {
    const { deps, sockets } = await setup([]);
    expect(await fanOut(deps, ALICE, MESSAGE)).toEqual({ sent: 0, gone: 0, failed: 0 });
    expect(sockets.events).toEqual([]);
  });

  it('forgets sockets that are gone, without counting them as failures', async () => {
    const { deps, sockets, connections } = await setup();
    sockets.markGone('c2');

    expect(await fanOut(deps, ALICE, MESSAGE)).toEqual({ sent: 2, gone: 1, failed: 0 });
    expect([...connections.records.keys()].sort()).toEqual(['c1', 'c3', 'other']);
  });

  it('keeps the record of a socket reported gone while it may still be inside its $connect', async () => {
    const { deps, sockets, connections } = await setup();
    const now = new Date('2025-03-01T12:10:00.000Z');
    await connections.put({ connectionId: 'c4', userId: ALICE, connectedAt: new Date(now.getTime() - CONNECTING_GRACE_MS + 1_000).toISOString() });
    sockets.markGone('c2');
    sockets.markGone('c4');

    expect(await fanOut({ ...deps, clock: () => now }, ALICE, MESSAGE)).toEqual({ sent: 2, gone: 2, failed: 0 });
    // c2 connected ten minutes ago and is really gone; c4 connected moments ago: API Gateway opens it once its
    // $connect answers, and without its record no later fan-out and no account deletion would find it.
    expect([...connections.records.keys()].sort()).toEqual(['c1', 'c3', 'c4', 'other']);
  });

  it('counts a socket that fails as failed, and keeps its record (it may well be alive)', async () => {
    const { deps, sockets, connections } = await setup();
    sockets.failSends('c2');

    expect(await fanOut(deps, ALICE, MESSAGE)).toEqual({ sent: 2, gone: 0, failed: 1 });
    expect([...connections.records.keys()].sort()).toEqual(['c1', 'c2', 'c3', 'other']);
    expect(sockets.sent.map((entry) => entry.connectionId)).toEqual(['c1', 'c3']);
  });

  it('counts a gone socket whose record cannot be removed as failed', async () => {
    const { deps, sockets, connections } = await setup();
    sockets.markGone('c2');
    const failing = { ...connections, deleteIfConnectedBefore: async () => Promise.reject(new Error('DynamoDB is unavailable')) };

    expect(await fanOut({ ...deps, connections: failing }, ALICE, MESSAGE)).toEqual({ sent: 2, gone: 0, failed: 1 });
  });

  it('does not wait for a slow socket before sending to the others', async () => {
    const { deps, sockets } = await setup();
    const release = sockets.hold('c1');

    const delivery = fanOut(deps, ALICE, MESSAGE);
    await settle();
    // c1 began first and is still on its way; the others were delivered meanwhile.
    expect(sockets.events).toEqual(['send c1', 'send c2', 'sent c2', 'send c3', 'sent c3']);

    release();
    expect(await delivery).toEqual({ sent: 3, gone: 0, failed: 0 });
    expect(sockets.events.at(-1)).toBe('sent c1');
  });

  it('delivers to the others and handles gone sockets even while one socket never answers', async () => {
    const { deps, sockets, connections } = await setup(['c1', 'c2', 'c3', 'c4']);
    sockets.hold('c2'); // never released
    sockets.markGone('c3');

    let finished = false;
    void fanOut(deps, ALICE, MESSAGE).then(() => (finished = true));
    await settle();

    expect(sockets.sent.map((entry) => entry.connectionId)).toEqual(['c1', 'c4']);
    expect(connections.records.has('c3')).toBe(false);
    expect(finished).toBe(false); // the real sender's per-call deadline is what ends such a send
  });
});
