import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { decodeJwt } from 'jose';
import { authenticate } from '#lib/accounts/authenticate';
import { login } from '#lib/accounts/login';
import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { revoke } from '#lib/accounts/revoke';
import { hashRefreshToken } from '#lib/tokens/refresh-token-secret';
import { realAccountDeps } from '../support/real-account-deps';
import { createTestTable, type TestTable } from '../support/test-table';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});
afterAll(() => table.close());

const newAccount = (name: string) => register(realAccountDeps(table), { identifier: name, password: 'a sound passphrase' });

describe('sessions against DynamoDB (dynalite, and DynamoDB Local in its pass)', () => {
  // Strict reuse detection (grace 0): each loser takes the token for a replayed one and revokes the session,
  // whenever the engine lets it run: dynalite applies requests one at a time, so the winner always got through
  // first there; DynamoDB Local and AWS run them concurrently, so a loser's revocation can come before the
  // winner's own check.
  it('strict (grace 0): of 20 concurrent refreshes of one token, at most one returns tokens, and the session ends revoked', async () => {
    const base = realAccountDeps(table);
    const deps = { ...base, settings: { ...base.settings, refreshReuseGraceSeconds: 0 } };
    const { tokens } = await newAccount('concurrent');
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => refresh(deps, { refreshToken: tokens.refreshToken })));
    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(winners.length).toBeLessThanOrEqual(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(
      Array(20 - winners.length).fill('invalid_grant'),
    );
    await expect(authenticate(deps, tokens.accessToken)).rejects.toMatchObject({ code: 'invalid_token' });
    for (const winner of winners) {
      await expect(authenticate(deps, winner.accessToken)).rejects.toMatchObject({ code: 'invalid_token' });
      await expect(refresh(deps, { refreshToken: winner.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
    }
  });

  // With the grace window (the default), the losers are retries inside it: each gets the successor the
  // winner's rotation derived, on any engine, so racing tabs or a retried request never end the session.
  it('with the grace window: 20 concurrent refreshes of one token all succeed with one new refresh token, and the session lives', async () => {
    const deps = realAccountDeps(table);
    const { tokens } = await newAccount('concurrent-grace');
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(deps, { refreshToken: tokens.refreshToken })));
    expect(new Set(results.map((result) => result.refreshToken)).size).toBe(1);
    for (const result of results) await expect(authenticate(deps, result.accessToken)).resolves.toBeDefined();
    const shared = results[0]?.refreshToken ?? '';
    const live = (await table.scanAll()).filter(
      (item) => String(item.pk).startsWith('RT#') && item.userId === (decodeJwt(tokens.accessToken).sub ?? '') && !item.rotatedAt,
    );
    expect(live.map((item) => item.pk)).toEqual([`RT#${hashRefreshToken(shared)}`]);
    await expect(refresh(deps, { refreshToken: shared })).resolves.toBeDefined();
  });

  it('rotates on every use, and an old token replayed after the grace window revokes the whole family, newest tokens included', async () => {
    let now = new Date();
    const deps = realAccountDeps(table, { clock: () => now });
    const { tokens: first } = await newAccount('rotating');
    const second = await refresh(deps, { refreshToken: first.refreshToken });
    const third = await refresh(deps, { refreshToken: second.refreshToken });
    expect(new Set([first.refreshToken, second.refreshToken, third.refreshToken]).size).toBe(3);
    await expect(authenticate(deps, third.accessToken)).resolves.toBeDefined();

    now = new Date(now.getTime() + deps.settings.refreshReuseGraceSeconds * 1000);
    await expect(refresh(deps, { refreshToken: first.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
    await expect(refresh(deps, { refreshToken: third.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
    await expect(authenticate(deps, third.accessToken)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('stores refresh tokens only as hashes, with a TTL for DynamoDB and an expiry checked in code', async () => {
    let now = new Date();
    const deps = realAccountDeps(table, { clock: () => now });
    const { tokens } = await register(deps, { identifier: 'expiring', password: 'a sound passphrase' });
    const items = await table.scanAll();
    expect(JSON.stringify(items)).not.toContain(tokens.refreshToken);
    const stored = items.find((item) => item.pk === `RT#${hashRefreshToken(tokens.refreshToken)}`);
    expect(stored?.ttl).toBe(Math.floor(new Date(String(stored?.expiresAt)).getTime() / 1000));

    // dynalite never applies TTL (and DynamoDB may take days): the expiry check in code is what counts.
    now = new Date(now.getTime() + 31 * 24 * 3600 * 1000);
    await expect(refresh(deps, { refreshToken: tokens.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('revoking a refresh token ends its session at once, access token included, and leaves other sessions alone', async () => {
    const deps = realAccountDeps(table);
    const { tokens: phone } = await newAccount('two-devices');
    const { tokens: laptop } = await login(deps, { identifier: 'two-devices', password: 'a sound passphrase' });
    await revoke(deps, { token: phone.refreshToken });
    await expect(authenticate(deps, phone.accessToken)).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(refresh(deps, { refreshToken: phone.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
    await expect(authenticate(deps, laptop.accessToken)).resolves.toBeDefined();

    await revoke(deps, { token: laptop.accessToken, tokenTypeHint: 'access_token' });
    await expect(refresh(deps, { refreshToken: laptop.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('refuses every token of a user whose record is gone, even if the identifier registers again', async () => {
    const deps = realAccountDeps(table);
    const { user, tokens } = await newAccount('reborn');
    // What account deletion (next issue) guarantees first: the user record goes, so every token dies with it.
    await table.db.send(
      new DeleteCommand({ TableName: table.tableName, Key: { pk: `USER#${user.id}`, sk: 'USER' } }),
    );
    await table.db.send(
      new DeleteCommand({ TableName: table.tableName, Key: { pk: 'IDENT#nickname#reborn', sk: 'IDENT' } }),
    );
    const { user: again } = await newAccount('reborn');
    expect(again.id).not.toBe(user.id);
    await expect(authenticate(deps, tokens.accessToken)).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(refresh(deps, { refreshToken: tokens.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
  });
});
