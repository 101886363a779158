import { register } from '#lib/accounts/register';
import { connectSocket, type SocketDeps } from '#lib/sockets/socket-sessions';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { MAX_SOCKET_AGE_MS } from '#lib/throttling/socket-cap';
import { accountFixture } from '#tests/support/account-fixture';
import { createFakeSocketSender } from '#tests/support/fake-socket-sender';
import { expectHaloError } from '#tests/support/halo-error';
import { createInMemoryConnections } from '#tests/support/in-memory-connections';

async function signedUp(perUser = 2) {
  const fixture = await accountFixture();
  const { user, tokens } = await register(fixture.deps, { identifier: 'alice', password: 'plum-lantern-orbit-47' });
  const bob = await register(fixture.deps, { identifier: 'bob', password: 'plum-lantern-orbit-47' });
  const connections = createInMemoryConnections();
  const deps: SocketDeps = { account: fixture.deps, connections, sockets: createFakeSocketSender(), limits: { perUser } };
  return { ...fixture, deps, connections, userId: user.id, accessToken: tokens.accessToken, bobToken: bob.tokens.accessToken };
}

const FULL = { connections: 'at most 2 sockets may be open at once; close one first' };

describe('the cap on sockets per user', () => {
  it('refuses the socket past the cap with a retry hint, and keeps no record of it', async () => {
    const { deps, connections, accessToken } = await signedUp();
    await connectSocket(deps, 'a1', accessToken);
    await connectSocket(deps, 'a2', accessToken);

    const refusal = await expectHaloError(connectSocket(deps, 'a3', accessToken), 'too_many_requests', FULL);
    expect(refusal.retryAfterSeconds).toBeGreaterThan(0);
    expect([...connections.records.keys()].sort()).toEqual(['a1', 'a2']);
  });

  it('counts per user: another user’s sockets take none of the slots', async () => {
    const { deps, accessToken, bobToken } = await signedUp();
    await connectSocket(deps, 'a1', accessToken);
    await connectSocket(deps, 'a2', accessToken);
    await expect(connectSocket(deps, 'b1', bobToken)).resolves.toEqual(expect.any(String));
  });

  it('frees a slot when a socket closes', async () => {
    const { deps, connections, accessToken } = await signedUp();
    await connectSocket(deps, 'a1', accessToken);
    await connectSocket(deps, 'a2', accessToken);
    await connections.delete('a1');
    await expect(connectSocket(deps, 'a3', accessToken)).resolves.toEqual(expect.any(String));
  });

  it('removes, and does not count, records older than any socket can live', async () => {
    const { deps, connections, clock, userId, accessToken } = await signedUp();
    const ago = (ms: number) => new Date(clock().getTime() - ms).toISOString();
    // Sockets that died without a $disconnect: one just past the 2-hour maximum, one just under it.
    for (const [connectionId, age] of [['dead', MAX_SOCKET_AGE_MS + 1000], ['maybe-alive', MAX_SOCKET_AGE_MS - 1000]] as const) {
      await connections.put({ connectionId, userId, connectedAt: ago(age) });
      await connections.claimSlot(userId, connectionId, ago(age), 2);
    }

    await connectSocket(deps, 'new', accessToken);
    expect([...connections.records.keys()].sort()).toEqual(['maybe-alive', 'new']);
    await expectHaloError(connectSocket(deps, 'newer', accessToken), 'too_many_requests', FULL);
  });

  it('frees the slot of a socket whose record is gone, when the slot is needed', async () => {
    const { deps, connections, userId, accessToken } = await signedUp();
    await connectSocket(deps, 'a1', accessToken);
    await connections.claimSlot(userId, 'lost', deps.account.clock().toISOString(), 2); // its record never written, or deleted in a crash
    await connectSocket(deps, 'a2', accessToken);
    expect(await connections.slots(userId)).toEqual({ a1: expect.any(String), a2: expect.any(String) });
  });

  it('counts the new socket even while the index does not show its record yet', async () => {
    const { deps, connections, accessToken } = await signedUp();
    await connectSocket(deps, 'a1', accessToken);
    await connectSocket(deps, 'a2', accessToken);
    const lagging: SocketDeps = {
      ...deps,
      connections: {
        ...connections,
        async put(record) {
          await connections.put(record);
          connections.lagging(record.connectionId);
        },
      },
    };
    await expectHaloError(connectSocket(lagging, 'a3', accessToken), 'too_many_requests', FULL);
    expect(connections.records.has('a3')).toBe(false);
  });

  it('refuses both of two sockets racing for the last slot rather than letting both in', async () => {
    const { deps, connections, userId, accessToken } = await signedUp();
    await connectSocket(deps, 'a1', accessToken);
    const outcomes = await Promise.allSettled([connectSocket(deps, 'a2', accessToken), connectSocket(deps, 'a3', accessToken)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeLessThanOrEqual(1);
    expect((await connections.listForUser(userId)).length).toBeLessThanOrEqual(2);
  });

  it('applies the default cap of 20 (what lib/config.ts gives when SOCKETS_PER_USER is unset)', async () => {
    const { deps, accessToken } = await signedUp();
    const withoutLimits: SocketDeps = { account: deps.account, connections: deps.connections, sockets: deps.sockets, limits: DEFAULT_LIMITS.sockets };
    for (let i = 0; i < DEFAULT_LIMITS.sockets.perUser; i++) await connectSocket(withoutLimits, `s${i}`, accessToken);
    await expectHaloError(connectSocket(withoutLimits, 'one-too-many', accessToken), 'too_many_requests');
  });
});
