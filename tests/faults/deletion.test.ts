import { finishStalledDeletions, STALLED_AFTER_MS } from '#lib/accounts/finish-deletions';
import { login } from '#lib/accounts/login';
import { DELETING_USER_TTL_SECONDS } from '#lib/storage/users-repository';
import { HaloError } from '#lib/errors';
import { pngImage } from '../support/images';
import type { SdkCall } from '../support/fault-injection';
import { listAllKeys } from '../support/orphan-scan';
import { deleteRequest, DELETION_PASSWORD, fullAccount as fullAccountOf } from './deletion-scenario';
import { eachFault, FAULT_RUN_TIMEOUT_MS, faultCases, itemsOf, startFaultStack, type Actor, type FaultStack } from './fault-harness';

/**
 * Account deletion with a failure injected at every DynamoDB, S3 and `@connections` call of a
 * successful run (and, for writes, with the write applied and its reply lost). The client retries
 * `DELETE /api/user` with the same access token; after it nothing of the account is left anywhere.
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

describe('account deletion under faults', () => {
  it('answers the outage (the account already unusable), and the retried DELETE removes everything', async () => {
    const baseline = await fullAccount('fault-delete-baseline');
    main.faults.reset();
    await deleteRequest(main, baseline.accessToken);
    const cases = faultCases(main.faults.calls);
    expect(new Set(cases.map((c) => c.call.service))).toEqual(new Set(['DynamoDB', 'S3', '@connections']));

    const problems = await eachFault(cases, async ({ index, timing }) => {
      const account = await fullAccount(`fault-delete-${index}-${timing}`);
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await deleteRequest(main, account.accessToken).catch((error: unknown) => error);
      const [call] = main.faults.faulted;
      if (!call) throw new Error('the fault did not fire');
      main.faults.reset();
      // An outage answers as itself; only sockets left open answer `unavailable` (a 503 saying to retry).
      if (first instanceof HaloError && first.code !== 'unavailable') throw new Error(`failed with ${first.code} instead of the outage error`);
      if (first instanceof Error) {
        // Whatever failed after the mark, no token of the user works any more.
        // (Calls 2 and 3 read the user and record the pending deletion; 4 is the mark.)
        if (index > 4 || (index === 4 && timing === 'after')) {
          await expect(login(main.account, { identifier: `fault-delete-${index}-${timing}`, password: PASSWORD })).rejects.toMatchObject({
            code: 'invalid_credentials',
          });
        }
        const retried = await deleteRequest(main, account.accessToken).catch((error: unknown) => error);
        // Only if the user item itself went (its reply lost) is the token refused: the account is gone.
        if (retried instanceof Error) {
          expect(call.operation === 'DeleteItem' && timing === 'after' && retried instanceof HaloError && retried.code === 'invalid_token').toBe(true);
        }
      } else {
        // Telling the sockets is best effort, and a close that failed is tried again in the second round; nothing else is.
        // Removing the pending-deletion record, once the user item is gone, is bookkeeping the finisher redoes.
        expect(['PostToConnection', 'DeleteConnection', 'DeleteItem']).toContain(call.operation);
      }
      // A record is left only where the user item went before it could (the item's deletion with its reply lost, the
      // record's removal failed), or where the first try stopped before the mark (its record keyed by its own time;
      // the retry's has another): the scheduled finisher's next run removes it.
      if ((await itemsOf(stack, account.userId)).DELETING) {
        expect(call.operation === 'DeleteItem' || index <= 4).toBe(true);
        await finishStalledDeletions({ ...main.deletion, clock: () => new Date(Date.now() + STALLED_AFTER_MS + 1000) });
      }
      expect(await itemsOf(stack, account.userId)).toEqual({});
      expect((await listAllKeys(stack.s3, stack.bucket)).filter((key) => key.includes(account.userId))).toEqual([]);
      expect(stack.connections.live.has(account.live)).toBe(false);
      expect(await stack.orphans()).toEqual([]);
    }, () => main.faults.faulted);
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);

  it('answers unavailable when a socket cannot be closed in either round, keeping only what the retry needs', async () => {
    const account = await fullAccount('fault-delete-stuck-socket');
    main.faults.reset();
    const closingLive = (call: SdkCall) => call.operation === 'DeleteConnection' && call.input.ConnectionId === account.live;
    main.faults.failWhen(closingLive, { timing: 'before' }, 2);

    const first = await deleteRequest(main, account.accessToken).catch((error: unknown) => error);
    expect(first).toMatchObject({ code: 'unavailable', retryAfterSeconds: 2 });
    expect(main.faults.faulted.map((call) => call.operation)).toEqual(['DeleteConnection', 'DeleteConnection']);
    // Only the user item and the unclosed socket's record are left (the dead socket's went); the socket is still open.
    expect(await itemsOf(stack, account.userId)).toEqual({ CONN: 1, DELETING: 1, USER: 1 });
    expect((await listAllKeys(stack.s3, stack.bucket)).filter((key) => key.includes(account.userId))).toEqual([]);
    expect(stack.connections.live.has(account.live)).toBe(true);
    // What is kept holds no secret and no identifier, and expires by itself once no socket of the user can be open.
    const kept = (await stack.table.scanAll()).find((item) => item.id === account.userId);
    expect(kept).toMatchObject({ status: 'deleting', ttl: expect.any(Number) });
    expect(Object.keys(kept ?? {}).filter((name) => /password|identifier/i.test(name))).toEqual([]);
    expect(JSON.stringify(kept)).not.toContain('fault-delete-stuck-socket');
    const { ttl } = kept as { ttl: number };
    expect(ttl * 1000 - Date.now()).toBeGreaterThan(2 * 3600 * 1000); // past API Gateway's 2-hour limit on any socket
    expect(ttl * 1000 - Date.now()).toBeLessThanOrEqual(DELETING_USER_TTL_SECONDS * 1000);

    main.faults.reset();
    await deleteRequest(main, account.accessToken);
    expect(await itemsOf(stack, account.userId)).toEqual({});
    expect(stack.connections.live.has(account.live)).toBe(false);
    expect(await stack.orphans()).toEqual([]);
  });
});
