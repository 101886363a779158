import { login } from '#lib/accounts/login';
import { register } from '#lib/accounts/register';
import type { HaloError } from '#lib/errors';
import { parseIdentifier } from '#lib/identifiers/parse-identifier';
import { realAccountDeps } from '../support/real-account-deps';
import { createTestTable, type TestTable } from '../support/test-table';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});
afterAll(() => table.close());

const PASSWORD = 'a sound passphrase';

describe('registration against DynamoDB (dynalite)', () => {
  it('lets exactly one of 20 parallel registrations of one identifier win, and leaves no trace of the losers', async () => {
    const deps = realAccountDeps(table);
    const spellings = Array.from({ length: 20 }, (_, i) => (i % 2 ? 'Racer@Example.com' : 'racer@EXAMPLE.com'));
    const results = await Promise.allSettled(spellings.map((identifier) => register(deps, { identifier, password: PASSWORD })));

    const winners = results.filter((r) => r.status === 'fulfilled');
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) expect((loser.reason as HaloError).code).toBe('identifier_taken');

    const items = await table.scanAll();
    const users = items.filter((item) => item.sk === 'USER' && item.identifierKey === 'racer@example.com');
    expect(users).toHaveLength(1);
    expect(users[0]?.status).toBe('active');
    expect(users[0]?.ttl).toBeUndefined();
    expect(items.filter((item) => item.pk === 'IDENT#email#racer@example.com')).toHaveLength(1);
  });

  it('never scans on the sign-up and login paths', async () => {
    const deps = realAccountDeps(table);
    table.commands.length = 0;
    await register(deps, { identifier: 'no-scan', password: PASSWORD });
    await login(deps, { identifier: 'NO-SCAN', password: PASSWORD });
    await expect(login(deps, { identifier: 'nobody-here', password: PASSWORD })).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(table.commands.length).toBeGreaterThan(0);
    expect(table.commands.filter((name) => name.startsWith('Scan'))).toEqual([]);
  });

  it('takes over an identifier whose sign-up died before activation, once its pending window has passed', async () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const deps = realAccountDeps(table, { clock: () => now });
    const identifier = await parseIdentifier('crashed');
    // What a sign-up that died between claim and activation leaves behind.
    await deps.users.putPendingUser(
      {
        id: 'crashed-user',
        identifier: 'crashed',
        identifierType: 'nickname',
        identifierKey: 'crashed',
        passwordHash: 'x',
        registeredAt: now.toISOString(),
        status: 'pending',
        pendingUntil: new Date(now.getTime() + 300_000).toISOString(),
      },
      new Date(now.getTime() + 300_000),
    );
    expect(await deps.users.claimIdentifier(identifier, 'crashed-user')).toBe(true);

    // Within the window the claim is honoured: the identifier is taken, and the half-made account cannot log in.
    await expect(register(deps, { identifier: 'crashed', password: PASSWORD })).rejects.toMatchObject({ code: 'identifier_taken' });
    await expect(login(deps, { identifier: 'crashed', password: PASSWORD })).rejects.toMatchObject({ code: 'invalid_credentials' });

    now = new Date(now.getTime() + 301_000);
    const { user } = await register(deps, { identifier: 'crashed', password: PASSWORD });
    expect(user.id).not.toBe('crashed-user');
    expect((await deps.users.getClaim(identifier))?.userId).toBe(user.id);
    // The stalled sign-up can no longer activate itself.
    expect(await deps.users.activateUser('crashed-user', now)).toBe(false);
  });

  it('upgrades a hash made with older parameters at the next successful login', async () => {
    const cheap = realAccountDeps(table, { argon2: { memoryKiB: 512, iterations: 1, parallelism: 1 } });
    const { user } = await register(cheap, { identifier: 'upgrader', password: PASSWORD });
    const before = (await cheap.users.getUser(user.id))?.passwordHash;
    expect(before).toContain('m=512,t=1,p=1');

    const current = realAccountDeps(table);
    await login(current, { identifier: 'upgrader', password: PASSWORD });
    const after = (await current.users.getUser(user.id))?.passwordHash;
    expect(after).toContain('m=1024,t=1,p=1');
    await login(current, { identifier: 'upgrader', password: PASSWORD });
  });
});
