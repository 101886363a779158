import { addIdentifier } from '#lib/accounts/add-identifier';
import { login } from '#lib/accounts/login';
import { register } from '#lib/accounts/register';
import { removeIdentifier } from '#lib/accounts/remove-identifier';
import { type Actor, eachFault, expectOutage, FAULT_RUN_TIMEOUT_MS, faultCases, type FaultStack, startFaultStack } from './fault-harness';

/**
 * Adding and removing an identifier with a failure injected at every DynamoDB call of a successful run (and, for
 * writes, with the write applied and its reply lost). Right after the failure, before any retry: no orphan item and
 * no half-added identifier (the orphan scan names a listed identifier whose claim is missing or another's, and a
 * claim its active user does not list); the identifier logs in exactly when the account lists it. Then the client's
 * retry succeeds.
 */

let stack: FaultStack;
let main: Actor;
beforeAll(async () => {
  stack = await startFaultStack();
  main = stack.main;
});
afterAll(() => stack.close());

const PASSWORD = 'a sound passphrase';

/** Whether the identifier logs in, and whether the account lists it: they must agree. */
async function consistent(userId: string, identifier: string): Promise<boolean> {
  const user = await main.account.users.getUser(userId);
  const listed = Object.values(user?.identifiers ?? {}).some((entry) => entry?.display === identifier);
  const logsIn = await login(main.account, { identifier, password: PASSWORD }).then(
    (answer) => answer.user.id === userId,
    () => false,
  );
  expect(logsIn).toBe(listed);
  return listed;
}

describe('adding an identifier under faults', () => {
  it('leaves it either fully added or not at all, and the retry adds it', async () => {
    const { user, tokens } = await register(main.account, { identifier: 'fault-add', password: PASSWORD });
    main.faults.reset();
    await addIdentifier(main.identifiers, tokens.accessToken, () => 'fault-add-baseline@example.com');
    const cases = faultCases(main.faults.calls);
    expect(cases.filter((fault) => fault.timing === 'after').length).toBeGreaterThanOrEqual(3); // claim, map, confirm

    const problems = await eachFault(cases, async ({ index, timing }) => {
      const identifier = `fault-add-${index}-${timing}@example.com`;
      // One email at a time: the previous case's goes first.
      const current = await main.account.users.getUser(user.id);
      const email = current?.identifiers?.email?.display;
      if (email) await removeIdentifier(main.identifiers, tokens.accessToken, email);
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await addIdentifier(main.identifiers, tokens.accessToken, () => identifier).catch((error: unknown) => error);
      main.faults.reset();
      expect(await stack.orphans()).toEqual([]);
      await consistent(user.id, identifier);
      if (first instanceof Error) {
        expectOutage(first);
        await addIdentifier(main.identifiers, tokens.accessToken, () => identifier);
      }
      expect(await consistent(user.id, identifier)).toBe(true);
      expect(await stack.orphans()).toEqual([]);
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});

describe('removing an identifier under faults', () => {
  it('leaves it either listed and logging in, or gone and free for anyone', async () => {
    const { user, tokens } = await register(main.account, { identifier: 'fault-remove', password: PASSWORD });
    await addIdentifier(main.identifiers, tokens.accessToken, () => 'fault-remove-baseline@example.com');
    main.faults.reset();
    await removeIdentifier(main.identifiers, tokens.accessToken, 'fault-remove-baseline@example.com');
    const cases = faultCases(main.faults.calls);
    expect(cases.filter((fault) => fault.timing === 'after').length).toBeGreaterThanOrEqual(2); // map, claim

    const problems = await eachFault(cases, async ({ index, timing }) => {
      const identifier = `fault-remove-${index}-${timing}@example.com`;
      await addIdentifier(main.identifiers, tokens.accessToken, () => identifier);
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await removeIdentifier(main.identifiers, tokens.accessToken, identifier).catch((error: unknown) => error);
      main.faults.reset();
      expect(await stack.orphans()).toEqual([]);
      const stillListed = await consistent(user.id, identifier);
      if (first instanceof Error) {
        expectOutage(first);
        if (stillListed) await removeIdentifier(main.identifiers, tokens.accessToken, identifier);
      }
      expect(await consistent(user.id, identifier)).toBe(false);
      // Free for anyone at once.
      const other = await register(main.account, { identifier, password: PASSWORD });
      expect((await login(main.account, { identifier, password: PASSWORD })).user.id).toBe(other.user.id);
      expect(await stack.orphans()).toEqual([]);
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});
