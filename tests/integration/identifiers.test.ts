import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { addIdentifier } from '#lib/accounts/add-identifier';
import { deleteAccount } from '#lib/accounts/delete-account';
import type { IdentifierChangeDeps } from '#lib/accounts/identifier-deps';
import { login } from '#lib/accounts/login';
import { register } from '#lib/accounts/register';
import { removeIdentifier } from '#lib/accounts/remove-identifier';
import type { AvatarObjects } from '#lib/avatars/avatar-objects';
import { createConnectionsRepository } from '#lib/storage/connections-repository';
import { createIdentifiersRepository } from '#lib/storage/identifiers-repository';
import { createPendingDeletionsRepository } from '#lib/storage/pending-deletions-repository';
import { createOwnedItemsRepository } from '#lib/storage/owned-items';
import { keys } from '#lib/storage/table-design';
import { createFakeSocketSender } from '../support/fake-socket-sender';
import { realAccountDeps } from '../support/real-account-deps';
import { createTestTable, type TestTable } from '../support/test-table';

/** Adding and removing identifiers on DynamoDB (dynalite, or DynamoDB Local), with the byUser index held back. */

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable({ indexLag: 'hold' });
});
afterAll(() => table.close());

const PASSWORD = 'a sound passphrase';

function world() {
  const account = realAccountDeps(table);
  const changes: IdentifierChangeDeps = {
    session: account,
    identifiers: createIdentifiersRepository(table.db, table.tableName),
    connections: createConnectionsRepository(table.db, table.tableName),
    sockets: createFakeSocketSender(),
  };
  const signUp = async (identifier: string) => {
    const { user, tokens } = await register(account, { identifier, password: PASSWORD });
    return { id: user.id, token: tokens.accessToken };
  };
  const logsInTo = async (identifier: string) => (await login(account, { identifier, password: PASSWORD }).catch(() => undefined))?.user.id;
  return { account, changes, signUp, logsInTo };
}

describe('several identifiers on DynamoDB', () => {
  it('lets exactly one of ten accounts adding one identifier at once win, and leaves no claim of the losers', async () => {
    const w = world();
    const racers = await Promise.all(Array.from({ length: 10 }, (_, i) => w.signUp(`racer-${i}`)));
    const results = await Promise.allSettled(racers.map((racer) => addIdentifier(w.changes, racer.token, () => 'Shared@Race.example')));
    const winners = results.flatMap((result, i) => (result.status === 'fulfilled' ? [racers[i]?.id] : []));
    expect(winners).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'identifier_taken' });
    expect(await w.logsInTo('shared@race.example')).toBe(winners[0]);
    const claims = (await table.scanAll()).filter((item) => item.pk === 'IDENT#email#shared@race.example');
    expect(claims.map((claim) => claim.userId)).toEqual(winners);
    expect(claims[0]?.pendingUntil).toBeUndefined(); // confirmed
  });

  it('adds to an account written before the identifiers map (DynamoDB refuses a path inside a missing map)', async () => {
    const w = world();
    const legacy = await w.signUp('legacy-user');
    // As sign-up wrote users before the map existed.
    const { Item } = await table.db.send(new GetCommand({ TableName: table.tableName, Key: keys.user(legacy.id), ConsistentRead: true }));
    const old = { ...Item };
    delete old.identifiers;
    await table.db.send(new PutCommand({ TableName: table.tableName, Item: old }));
    expect(await w.logsInTo('legacy-user')).toBe(legacy.id);

    const { user } = await addIdentifier(w.changes, legacy.token, () => '+44 20 7946 0999');
    expect(user.identifiers.map((identifier) => identifier.value)).toEqual(['legacy-user', '+442079460999']);
    expect(await w.logsInTo('00442079460999')).toBe(legacy.id);
    expect(await w.logsInTo('LEGACY-USER')).toBe(legacy.id);
    await removeIdentifier(w.changes, legacy.token, 'legacy-user');
    expect(await w.logsInTo('legacy-user')).toBeUndefined();
    await w.signUp('legacy-user');
  });

  it('frees every identifier of a deleted account while the byUser index still shows none of their claims', async () => {
    const w = world();
    const gone = await w.signUp('gone-user');
    await addIdentifier(w.changes, gone.token, () => 'gone@example.com');
    await addIdentifier(w.changes, gone.token, () => '+44 20 7946 0998');
    await deleteAccount(
      {
        users: w.account.users,
        ownedItems: createOwnedItemsRepository(table.db, table.tableName),
        pendingDeletions: createPendingDeletionsRepository(table.db, table.tableName),
        connections: w.changes.connections,
        sockets: createFakeSocketSender(),
        objects: { deleteAllOf: async () => undefined } as unknown as AvatarObjects,
        clock: () => new Date(),
        indexSettleMs: 0,
      },
      gone.id,
    );
    const claims = (await table.scanAll()).filter((item) => item.sk === 'IDENT' && item.userId === gone.id);
    expect(claims).toEqual([]);
    for (const identifier of ['gone-user', 'gone@example.com', '+442079460998']) {
      expect(await w.logsInTo(identifier)).toBeUndefined();
      await w.signUp(identifier);
    }
  });
});
