import { fanOut } from '#lib/sockets/fan-out';
import { endSessionSockets } from '#lib/sockets/session-endings';
import type { SessionRecord } from '#lib/storage/sessions-repository';
import { createFakeSocketSender } from '#tests/support/fake-socket-sender';
import { createInMemoryConnections } from '#tests/support/in-memory-connections';

const ALICE = 'alice';
const AT = '2025-03-01T12:00:00.000Z';
const MESSAGE = { type: 'avatar.changed', data: { userId: ALICE } };

async function setup(sessions: Record<string, SessionRecord>) {
  const connections = createInMemoryConnections();
  const sockets = createFakeSocketSender();
  await connections.put({ connectionId: 'live', userId: ALICE, connectedAt: AT, sessionId: 's-live' });
  await connections.put({ connectionId: 'revoked', userId: ALICE, connectedAt: AT, sessionId: 's-revoked' });
  await connections.put({ connectionId: 'legacy', userId: ALICE, connectedAt: AT });
  const lookup = { getSession: async (id: string) => sessions[id] };
  return { connections, sockets, deps: { connections, sockets, sessions: lookup, clock: () => new Date('2025-03-02T00:00:00.000Z') } };
}

const session = (id: string, extra: Partial<SessionRecord> = {}): SessionRecord => ({ id, userId: ALICE, clientId: 'web', ...extra });

describe('delivery re-checks each socket\'s session', () => {
  it('tells a socket of a revoked session why, closes it, and never sends it the event', async () => {
    const { deps, sockets, connections } = await setup({
      's-live': session('s-live'),
      's-revoked': session('s-revoked', { revokedAt: AT, revokedFor: 'reused' }),
    });
    expect(await fanOut(deps, ALICE, MESSAGE)).toEqual({ sent: 1, gone: 2, failed: 0 });
    expect(sockets.sent).toEqual(
      expect.arrayContaining([
        { connectionId: 'live', message: MESSAGE },
        { connectionId: 'revoked', message: { type: 'session.ended', data: { reason: 'reused' } } },
      ]),
    );
    expect(sockets.sent.filter((entry) => entry.connectionId === 'revoked')).toHaveLength(1);
    expect([...connections.records.keys()].sort()).toEqual(['live']);
  });

  it('tells a socket whose record names no session to reconnect, closes it, and never sends it the event', async () => {
    // Recorded before records carried their session: it may belong to a revoked session, so it gets nothing.
    const { deps, sockets, connections } = await setup({ 's-live': session('s-live'), 's-revoked': session('s-revoked') });
    expect(await fanOut(deps, ALICE, MESSAGE)).toEqual({ sent: 2, gone: 1, failed: 0 });
    expect(sockets.messagesTo('legacy')).toEqual([{ type: 'reconnect' }]);
    expect(sockets.closed).toEqual(['legacy']);
    expect([...connections.records.keys()].sort()).toEqual(['live', 'revoked']);
  });

  it('keeps the record of a socket whose record names no session if its close fails, and still sends it nothing', async () => {
    const { deps, sockets, connections } = await setup({ 's-live': session('s-live'), 's-revoked': session('s-revoked') });
    sockets.failCloses('legacy');
    expect(await fanOut(deps, ALICE, MESSAGE)).toEqual({ sent: 2, gone: 0, failed: 1 });
    expect(sockets.messagesTo('legacy')).toEqual([{ type: 'reconnect' }]);
    expect(connections.records.has('legacy')).toBe(true); // the next delivery or ping tries again
  });

  it('treats a session past its absolute end, or gone, as expired', async () => {
    const { deps, sockets } = await setup({ 's-live': session('s-live', { endsAt: '2025-03-01T23:59:59.000Z' }) });
    await fanOut(deps, ALICE, MESSAGE);
    expect(sockets.sent.filter((entry) => (entry.message as { type: string }).type === 'session.ended')).toEqual(
      expect.arrayContaining([
        { connectionId: 'live', message: { type: 'session.ended', data: { reason: 'expired' } } },
        { connectionId: 'revoked', message: { type: 'session.ended', data: { reason: 'expired' } } },
      ]),
    );
    expect(sockets.sent.filter((entry) => (entry.message as { type: string }).type === 'avatar.changed')).toEqual([]);
  });
});

describe('delivery and a password change', () => {
  it('closes, told password_changed, the sockets of sessions created before the change, even if never revoked; the changing session keeps its own', async () => {
    const sessions: Record<string, SessionRecord> = {
      's-live': session('s-live', { createdAt: '2025-03-01T10:00:00.000Z' }),
      's-revoked': session('s-revoked', { createdAt: '2025-03-01T11:00:00.000Z' }),
    };
    const { deps, sockets } = await setup(sessions);
    const user = { passwordChangedAt: '2025-03-01T11:30:00.000Z', passwordChangedBy: 's-revoked' };
    const lookup = { ...deps.sessions, getUserAndSession: async (_userId: string, id: string) => ({ user, session: sessions[id] }) };
    // The socket that names no session is told to reconnect and closed, as on any delivery.
    expect(await fanOut({ ...deps, sessions: lookup }, ALICE, MESSAGE)).toEqual({ sent: 1, gone: 2, failed: 0 });
    expect(sockets.sent).toEqual(
      expect.arrayContaining([
        { connectionId: 'live', message: { type: 'session.ended', data: { reason: 'password_changed' } } },
        { connectionId: 'revoked', message: MESSAGE },
        { connectionId: 'legacy', message: { type: 'reconnect' } },
      ]),
    );
    expect(sockets.closed.sort()).toEqual(['legacy', 'live']);
  });
});

describe('endSessionSockets', () => {
  it('closes the sockets of that session, each told why, and those that name no session, told to reconnect', async () => {
    const { connections, sockets } = await setup({});
    await endSessionSockets({ connections, sockets }, ALICE, 's-revoked', 'revoked');
    expect(sockets.sent).toEqual(
      expect.arrayContaining([
        { connectionId: 'revoked', message: { type: 'session.ended', data: { reason: 'revoked' } } },
        { connectionId: 'legacy', message: { type: 'reconnect' } },
      ]),
    );
    expect(sockets.sent).toHaveLength(2);
    expect(sockets.closed.sort()).toEqual(['legacy', 'revoked']);
    expect([...connections.records.keys()].sort()).toEqual(['live']);
  });
});
