import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { register } from '#lib/accounts/register';
import { connectSocket, disconnectSocket, pingSocket, type SocketDeps } from '#lib/sockets/socket-sessions';
import { accountFixture } from '#tests/support/account-fixture';
import { createFakeSocketSender } from '#tests/support/fake-socket-sender';
import { expectHaloError } from '#tests/support/halo-error';
import { createInMemoryConnections } from '#tests/support/in-memory-connections';

const GONE = { accessToken: 'the account no longer exists' };

async function signedUp() {
  const fixture = await accountFixture();
  const { user, tokens } = await register(fixture.deps, { identifier: 'alice', password: 'plum-lantern-orbit-47' });
  const connections = createInMemoryConnections();
  const sockets = createFakeSocketSender();
  const deps: SocketDeps = { account: fixture.deps, connections, sockets, limits: DEFAULT_LIMITS.sockets };
  return { ...fixture, deps, connections, sockets, userId: user.id, accessToken: tokens.accessToken };
}

describe('connectSocket', () => {
  it('records the connection for the token’s user', async () => {
    const { deps, connections, clock, userId, accessToken } = await signedUp();

    expect(await connectSocket(deps, 'conn-1', accessToken)).toBe(userId);
    expect([...connections.records.values()]).toEqual([{ connectionId: 'conn-1', userId, connectedAt: clock().toISOString(), sessionId: expect.any(String) }]);
    expect(await connections.listForUser(userId)).toEqual(['conn-1']);
  });

  it('refuses a token that does not authenticate, recording nothing', async () => {
    const { deps, connections, sessions, clock, accessToken } = await signedUp();
    await expectHaloError(connectSocket(deps, 'conn-1', 'not-a-token'), 'invalid_token');
    for (const id of sessions.sessions.keys()) await sessions.revokeSession(id, clock());
    await expectHaloError(connectSocket(deps, 'conn-1', accessToken), 'invalid_token');
    expect(connections.records.size).toBe(0);
  });

  it('refuses the token of a user already being deleted, recording nothing', async () => {
    const { deps, users, connections, clock, userId, accessToken } = await signedUp();
    await users.markDeleting(userId, clock());
    await expectHaloError(connectSocket(deps, 'conn-1', accessToken), 'invalid_token');
    expect(connections.records.size).toBe(0);
  });

  it('removes its record and refuses when the user’s deletion began between authentication and the record', async () => {
    const { deps, users, connections, clock, userId, accessToken } = await signedUp();
    const racing: SocketDeps = {
      ...deps,
      connections: {
        ...connections,
        async put(connection) {
          await connections.put(connection);
          await users.markDeleting(userId, clock()); // deletion's first step lands right after our write
        },
      },
    };

    await expectHaloError(connectSocket(racing, 'conn-1', accessToken), 'account_gone', GONE);
    expect(connections.records.size).toBe(0);
  });

  it('removes its record and refuses when the user vanished meanwhile', async () => {
    const { deps, users, connections, userId, accessToken } = await signedUp();
    const racing: SocketDeps = {
      ...deps,
      connections: {
        ...connections,
        async put(connection) {
          await connections.put(connection);
          users.users.delete(userId);
        },
      },
    };

    await expectHaloError(connectSocket(racing, 'conn-1', accessToken), 'account_gone', GONE);
    expect(connections.records.size).toBe(0);
  });
});

describe('pingSocket', () => {
  it('answers pong to an active user’s socket', async () => {
    const { deps, sockets, connections, accessToken } = await signedUp();
    await connectSocket(deps, 'conn-1', accessToken);

    expect(await pingSocket(deps, 'conn-1')).toEqual({ type: 'pong' });
    expect(sockets.closed).toEqual([]);
    expect(connections.records.has('conn-1')).toBe(true);
  });

  it.each([
    ['is being deleted', 'deleting'],
    ['is gone', 'gone'],
  ])('closes the socket and forgets it when the user %s', async (_what, fate) => {
    const { deps, users, sockets, connections, clock, userId, accessToken } = await signedUp();
    await connectSocket(deps, 'conn-1', accessToken);
    await connectSocket(deps, 'conn-2', accessToken);
    if (fate === 'gone') await users.deleteUser(userId);
    else await users.markDeleting(userId, clock());

    expect(await pingSocket(deps, 'conn-1')).toBeUndefined();
    expect(sockets.closed).toEqual(['conn-1']);
    expect([...connections.records.keys()]).toEqual(['conn-2']);
  });

  it('tells a socket of a revoked session why and closes it, instead of answering pong', async () => {
    const { deps, sockets, connections, sessions, clock, accessToken } = await signedUp();
    await connectSocket(deps, 'conn-1', accessToken);
    const sessionId = connections.records.get('conn-1')?.sessionId ?? '';
    await sessions.revokeSession(sessionId, clock(), 'reused');

    expect(await pingSocket(deps, 'conn-1')).toBeUndefined();
    expect(sockets.messagesTo('conn-1')).toEqual([{ type: 'session.ended', data: { reason: 'reused' } }]);
    expect(sockets.closed).toEqual(['conn-1']);
    expect(connections.records.has('conn-1')).toBe(false);
  });

  it('tells a socket whose session is past its absolute lifetime that it expired, and closes it', async () => {
    const { deps, sockets, clock, accessToken } = await signedUp();
    await connectSocket(deps, 'conn-1', accessToken);
    clock.advance(deps.account.settings.sessionAbsoluteLifetimeSeconds + 1); // no refresh saw the end: the ping does

    expect(await pingSocket(deps, 'conn-1')).toBeUndefined();
    expect(sockets.messagesTo('conn-1')).toEqual([{ type: 'session.ended', data: { reason: 'expired' } }]);
    expect(sockets.closed).toEqual(['conn-1']);
  });

  it('tells a socket whose record names no session to reconnect and closes it, instead of answering pong', async () => {
    const { deps, sockets, connections, userId, clock } = await signedUp();
    // Recorded before records carried their session: it cannot be tied to a live one.
    await connections.put({ connectionId: 'legacy', userId, connectedAt: clock().toISOString() });

    expect(await pingSocket(deps, 'legacy')).toBeUndefined();
    expect(sockets.messagesTo('legacy')).toEqual([{ type: 'reconnect' }]);
    expect(sockets.closed).toEqual(['legacy']);
    expect(connections.records.has('legacy')).toBe(false);
  });

  it('closes a socket it has no record of', async () => {
    const { deps, sockets } = await signedUp();
    expect(await pingSocket(deps, 'stranger')).toBeUndefined();
    expect(sockets.closed).toEqual(['stranger']);
  });
});

describe('disconnectSocket', () => {
  it('forgets the connection, and only that one', async () => {
    const { deps, connections, accessToken } = await signedUp();
    await connectSocket(deps, 'conn-1', accessToken);
    await connectSocket(deps, 'conn-2', accessToken);

    await disconnectSocket(deps, 'conn-1');
    expect([...connections.records.keys()]).toEqual(['conn-2']);
    await expect(disconnectSocket(deps, 'conn-1')).resolves.toBeUndefined();
  });
});
