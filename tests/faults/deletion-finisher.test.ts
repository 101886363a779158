import type { DeletionDeps } from '#lib/accounts/delete-account';
import { finishStalledDeletions, MAX_SOCKET_LIFETIME_MS, STALLED_AFTER_MS } from '#lib/accounts/finish-deletions';
import { login } from '#lib/accounts/login';
import { PENDING_DELETIONS_PARTITION } from '#lib/storage/table-design';
import { DELETING_USER_TTL_SECONDS } from '#lib/storage/users-repository';
import { pngImage } from '../support/images';
import type { SdkCall } from '../support/fault-injection';
import { listAllKeys } from '../support/orphan-scan';
import { deleteRequest, DELETION_PASSWORD, fullAccount as fullAccountOf } from './deletion-scenario';
import { eachFault, FAULT_RUN_TIMEOUT_MS, faultCases, itemsOf, startFaultStack, type Actor, type FaultStack } from './fault-harness';

/**
 * Account deletion stopped by a failure injected at every DynamoDB, S3 and `@connections` call of a successful run
 * (and, for writes, with the write applied and its reply lost), and then NOT retried by the client: the scheduled
 * finisher (lib/accounts/finish-deletions.ts) ends it, leaving nothing of the account in the table or the bucket.
 * A failure before the mark leaves the account as it was, and the finisher leaves it alone.
 */

let stack: FaultStack;
let main: Actor;
let setup: Actor;
let image: Buffer;
beforeAll(async () => {
  stack = await startFaultStack();
  main = stack.main;
  setup = stack.actor();
  image = await pngImage(40, 30);
});
afterAll(() => stack.close());

const PASSWORD = DELETION_PASSWORD;

const fullAccount = (identifier: string) => fullAccountOf(stack, setup, image, identifier);

/** The scheduled run, `laterMs` from now (the deletion must look stalled), on the actor's clients, with no fault. */
const finisherRun = (actor: Actor, laterMs = STALLED_AFTER_MS + 1000) => {
  const deps: DeletionDeps = { ...actor.deletion, clock: () => new Date(Date.now() + laterMs) };
  return finishStalledDeletions(deps);
};

const pendingRecords = async () => (await stack.table.scanAll()).filter((item) => item.pk === PENDING_DELETIONS_PARTITION);

describe('stalled account deletions under faults', () => {
  it('a deletion stopped at any call and never retried is finished by the scheduled finisher', async () => {
    const baseline = await fullAccount('finisher-baseline');
    main.faults.reset();
    await deleteRequest(main, baseline.accessToken);
    const cases = faultCases(main.faults.calls);
    expect(new Set(cases.map((c) => c.call.service))).toEqual(new Set(['DynamoDB', 'S3', '@connections']));

    const problems = await eachFault(cases, async ({ index, timing }) => {
      const identifier = `finisher-${index}-${timing}`;
      const account = await fullAccount(identifier);
      main.faults.reset();
      main.faults.failCall(index, { timing });
      await deleteRequest(main, account.accessToken).catch((error: unknown) => error);
      if (main.faults.faulted.length === 0) throw new Error('the fault did not fire');
      main.faults.reset();
      const stoppedBeforeMark = (await stack.table.scanAll()).find((item) => item.id === account.userId && item.sk === 'USER')?.status === 'active';

      const report = await finisherRun(main);
      expect(report.failed).toEqual([]);
      expect(report.stillOpen).toEqual([]);
      expect(await pendingRecords()).toEqual([]);
      if (stoppedBeforeMark) {
        // The DELETE failed before touching the account: it is whole, and the finisher left it so (then it goes, for
        // the next case's orphan scan: its unprocessed upload and dead socket would count).
        expect(await login(main.account, { identifier, password: PASSWORD })).toMatchObject({ user: { id: account.userId } });
        await deleteRequest(main, account.accessToken);
      }
      expect(await stack.orphans()).toEqual([]);
      expect(await itemsOf(stack, account.userId)).toEqual({});
      expect((await listAllKeys(stack.s3, stack.bucket)).filter((key) => key.includes(account.userId))).toEqual([]);
      expect(stack.connections.live.has(account.live)).toBe(false);
    }, () => main.faults.faulted);
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);

  it('a socket that cannot be closed: retried every run, counted as gone past API Gateway’s 2-hour limit, before the user item’s TTL', async () => {
    const account = await fullAccount('finisher-stuck-socket');
    main.faults.reset();
    const closingLive = (call: SdkCall) => call.operation === 'DeleteConnection' && call.input.ConnectionId === account.live;
    main.faults.failWhen(closingLive, { timing: 'before' }, 1000);

    await expect(deleteRequest(main, account.accessToken)).rejects.toMatchObject({ code: 'unavailable' });
    expect(await itemsOf(stack, account.userId)).toMatchObject({ CONN: 1, USER: 1 });

    expect(await finisherRun(main)).toMatchObject({ stillOpen: [account.userId], finished: [] });
    expect(await itemsOf(stack, account.userId)).toMatchObject({ CONN: 1, USER: 1 });
    expect(await pendingRecords()).toHaveLength(1);

    const pastSocketLimit = MAX_SOCKET_LIFETIME_MS + 60_000;
    expect(pastSocketLimit).toBeLessThan(DELETING_USER_TTL_SECONDS * 1000); // the finisher ends it before TTL could
    expect(await finisherRun(main, pastSocketLimit)).toMatchObject({ finished: [account.userId], stillOpen: [] });
    main.faults.reset();
    expect(await itemsOf(stack, account.userId)).toEqual({});
    expect(await pendingRecords()).toEqual([]);
    expect(await stack.orphans({ liveConnections: false })).toEqual([]);
  });
});
