import { register } from '#lib/accounts/register';
import { refresh } from '#lib/accounts/refresh';
import { revoke } from '#lib/accounts/revoke';
import { connectSocket } from '#lib/sockets/socket-sessions';
import { fanOut } from '#lib/sockets/fan-out';
import { createConnectionsRepository } from '#lib/storage/connections-repository';
import { createFakeSocketSender } from '#tests/support/fake-socket-sender';
import { realAccountDeps } from '../support/real-account-deps';
import { createTestTable, type TestTable } from '../support/test-table';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});
afterAll(() => table.close());

const MESSAGE = { type: 'avatar.changed', data: {} };

describe('sessions end for their sockets (dynalite)', () => {
  it('records the session at $connect; after revocation, delivery tells that socket why and closes it', async () => {
    const account = realAccountDeps(table);
    const connections = createConnectionsRepository(table.db, table.tableName);
    const sockets = createFakeSocketSender();
    const first = await register(account, { identifier: 'ender-1', password: 'a sound passphrase' });
    const second = await refresh(account, { refreshToken: first.tokens.refreshToken }); // same session, new access token
    const limits = { perUser: 20 };
    await connectSocket({ account, connections, limits }, 'c-revoked', second.accessToken);
    await expect(connections.get('c-revoked')).resolves.toMatchObject({ sessionId: expect.any(String) });

    // A revocation whose sockets could not be closed (no sessionEnded hook here): delivery still skips them.
    await revoke(account, { token: first.tokens.refreshToken });
    const result = await fanOut({ connections, sockets, sessions: account.sessions }, first.user.id, MESSAGE);
    expect(result).toEqual({ sent: 0, gone: 1, failed: 0 });
    expect(sockets.sent).toEqual([{ connectionId: 'c-revoked', message: { type: 'session.ended', data: { reason: 'revoked' } } }]);
    expect(sockets.closed).toEqual(['c-revoked']);
    await expect(connections.get('c-revoked')).resolves.toBeUndefined();
  });

  it('a refresh past the absolute lifetime fails, and the session is marked expired for its sockets', async () => {
    const base = realAccountDeps(table);
    let now = new Date('2025-03-01T12:00:00.000Z');
    const ended: string[] = [];
    const deps = {
      ...base,
      clock: () => now,
      settings: { ...base.settings, sessionAbsoluteLifetimeSeconds: 3600 },
      sessionEnded: async (_user: string, _session: string, reason: string) => void ended.push(reason),
    };
    const { tokens } = await register(deps, { identifier: 'ender-3', password: 'a sound passphrase' });
    now = new Date(now.getTime() + 30 * 60_000);
    const next = await refresh(deps, { refreshToken: tokens.refreshToken });
    now = new Date(now.getTime() + 31 * 60_000);
    await expect(refresh(deps, { refreshToken: next.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(ended).toEqual(['expired']);
  });
});
