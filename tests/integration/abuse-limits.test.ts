import { register } from '#lib/accounts/register';
import { signIn } from '#lib/accounts/sign-in';
import { HaloError } from '#lib/errors';
import { connectSocket } from '#lib/sockets/socket-sessions';
import { createAbuseCountersRepository, type AbuseCounters } from '#lib/storage/abuse-counters-repository';
import { createConnectionsRepository } from '#lib/storage/connections-repository';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { admitRegistration } from '#lib/throttling/registration-throttle';
import { admitUploadForm } from '#lib/throttling/upload-form-throttle';
import { createFakeSocketSender } from '../support/fake-socket-sender';
import { realAccountDeps } from '../support/real-account-deps';
import { createTestTable, type TestTable } from '../support/test-table';

let table: TestTable;
let counters: AbuseCounters;
beforeAll(async () => {
  table = await createTestTable();
  counters = createAbuseCountersRepository(table.db, table.tableName);
});
afterAll(() => table.close());

const NOW = new Date('2025-03-01T12:00:00.000Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const codeOf = (outcome: PromiseSettledResult<unknown>) =>
  outcome.status === 'fulfilled' ? 'ok' : outcome.reason instanceof HaloError ? outcome.reason.code : String(outcome.reason);

describe('abuse counters against DynamoDB (dynalite)', () => {
  it('counts 25 concurrent failures exactly, each seeing its own total', async () => {
    const counter = { scope: 'test', subject: 'concurrent' };
    const totals = await Promise.all(Array.from({ length: 25 }, () => counters.addFailure(counter, NOW, 3600)));
    expect(totals.map((t) => t.failures).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect((await counters.read([counter], NOW))[0]).toEqual({ failures: 25, lastFailureAt: NOW.getTime(), expiresAt: NOW.getTime() + 3_600_000 });
  });

  it('restarts a count that expired, even though TTL never removed it, and concurrent restarts still add up', async () => {
    const counter = { scope: 'test', subject: 'expiring' };
    await counters.addFailure(counter, NOW, 60);
    await counters.addFailure(counter, NOW, 60);
    expect((await counters.read([counter], at(59)))[0]?.failures).toBe(2);
    expect(await counters.read([counter], at(60))).toEqual([undefined]); // expired: checked in code

    await Promise.all(Array.from({ length: 10 }, () => counters.addFailure(counter, at(61), 60)));
    expect((await counters.read([counter], at(61)))[0]?.failures).toBe(10);
  });

  it('lets exactly one of many compare-and-adds from the same count win', async () => {
    const counter = { scope: 'test', subject: 'compare' };
    const fromNothing = await Promise.all(Array.from({ length: 10 }, () => counters.addIfUnchanged(counter, undefined, NOW, 3600)));
    expect(fromNothing.filter(Boolean)).toHaveLength(1);

    const [seen] = await counters.read([counter], NOW);
    const fromSeen = await Promise.all(Array.from({ length: 10 }, () => counters.addIfUnchanged(counter, seen, at(1), 3600)));
    expect(fromSeen.filter(Boolean)).toHaveLength(1);
    expect((await counters.read([counter], at(1)))[0]?.failures).toBe(2);
  });

  it('clears a count', async () => {
    const counter = { scope: 'test', subject: 'cleared' };
    await counters.addFailure(counter, NOW, 3600);
    await counters.clear(counter);
    expect(await counters.read([counter], NOW)).toEqual([undefined]);
  });

  it('counts 30 concurrent sign-up attempts in one window exactly, and refuses those past the limit', async () => {
    const clock = () => NOW;
    const throttle = { counters, limits: { perSource: 20, windowSeconds: 3600 }, clock };
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => admitRegistration(throttle, '203.0.113.9')));
    expect(outcomes.map(codeOf).sort()).toEqual([...Array(20).fill('ok'), ...Array(10).fill('too_many_requests')].sort());
  });

  it('counts 30 concurrent upload-form requests of one user exactly, refusing those past the limit, and no other user’s', async () => {
    const clock = () => NOW;
    const throttle = { counters, limits: { perUser: 12, windowSeconds: 3600 }, clock };
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => admitUploadForm(throttle, 'user-concurrent')));
    expect(outcomes.map(codeOf).sort()).toEqual([...Array(12).fill('ok'), ...Array(18).fill('too_many_requests')].sort());
    await expect(admitUploadForm(throttle, 'another-user')).resolves.toBeUndefined();
  });

  it('keeps a window’s end from its first attempt, and opens one new window when racing attempts find it ended', async () => {
    const counter = { scope: 'test', subject: 'window' };
    const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
    expect(await counters.addToWindow(counter, NOW, 60)).toEqual({ attempts: 1, endsAt: later(60).getTime() });
    expect(await counters.addToWindow(counter, later(59), 60)).toEqual({ attempts: 2, endsAt: later(60).getTime() });

    const racing = await Promise.all(Array.from({ length: 10 }, () => counters.addToWindow(counter, later(60), 60)));
    expect(racing.map((window) => window.attempts).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(racing.map((window) => window.endsAt))).toEqual(new Set([later(120).getTime()]));
  });

  it('keeps no identifier or address in the clear, and never scans', async () => {
    const account = realAccountDeps(table);
    const throttle = { counters, limits: DEFAULT_LIMITS.login, clock: () => new Date() };
    await signIn({ account: account, throttle }, { identifier: 'secret.person@example.com', password: 'wrong password here' }, '198.51.100.77').catch(() => undefined);
    const items = JSON.stringify(await table.scanAll());
    expect(items).toContain('ABUSE#login-pair#');
    expect(items).not.toMatch(/secret\.person|198\.51\.100\.77/);
    expect(table.commands).not.toContain('ScanCommand');
  });

  it('runs no more password verifications than the allowance for a burst of concurrent wrong guesses', async () => {
    const account = realAccountDeps(table);
    await register(account, { identifier: 'burst@example.com', password: 'a sound passphrase' });
    let verifications = 0;
    const counting = { ...account, passwords: { ...account.passwords, verify: (p: string, h: string) => (verifications++, account.passwords.verify(p, h)) } };
    const throttle = { counters, limits: DEFAULT_LIMITS.login, clock: () => new Date() };

    const outcomes = await Promise.allSettled(
      Array.from({ length: 15 }, () => signIn({ account: counting, throttle }, { identifier: 'burst@example.com', password: 'wrong guess here' }, '203.0.113.50')),
    );
    const codes = outcomes.map(codeOf);
    expect(codes.filter((c) => c === 'invalid_credentials')).toHaveLength(verifications);
    expect(verifications).toBeGreaterThanOrEqual(1);
    expect(verifications).toBeLessThanOrEqual(DEFAULT_LIMITS.login.freeFailuresPerIdentifierAndSource);
    expect(codes.filter((c) => c === 'too_many_requests')).toHaveLength(15 - verifications);
  });

  it('costs a refused login one BatchGetItem and nothing else: no user read, no password verification', async () => {
    const account = realAccountDeps(table);
    const throttle = { counters, limits: DEFAULT_LIMITS.login, clock: () => new Date() };
    const guess = () => signIn({ account: account, throttle }, { identifier: 'refused@example.com', password: 'wrong guess here' }, '203.0.113.51');
    for (let i = 0; i < DEFAULT_LIMITS.login.freeFailuresPerIdentifierAndSource; i++) await expect(guess()).rejects.toMatchObject({ code: 'invalid_credentials' });

    const before = table.commands.length;
    await expect(guess()).rejects.toMatchObject({ code: 'too_many_requests', retryAfterSeconds: DEFAULT_LIMITS.login.backoffBaseSeconds });
    expect(table.commands.slice(before)).toEqual(['BatchGetItemCommand']);
  });

  it('caps a user’s sockets over the real byUser index', async () => {
    const account = realAccountDeps(table);
    const { tokens } = await register(account, { identifier: 'many-sockets', password: 'a sound passphrase' });
    const deps = { account, connections: createConnectionsRepository(table.db, table.tableName), sockets: createFakeSocketSender(), limits: { perUser: 3 } };
    for (const id of ['s1', 's2', 's3']) await connectSocket(deps, id, tokens.accessToken);
    await expect(connectSocket(deps, 's4', tokens.accessToken)).rejects.toMatchObject({ code: 'too_many_requests' });
    expect(await deps.connections.get('s4')).toBeUndefined();
  });
});
