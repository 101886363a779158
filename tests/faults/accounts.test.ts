import { authenticate } from '#lib/accounts/authenticate';
import { login } from '#lib/accounts/login';
import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { hashRefreshToken } from '#lib/tokens/refresh-token-secret';
import { type Actor, eachFault, expectOutage, FAULT_RUN_TIMEOUT_MS, faultCases, type FaultStack, itemsOf, startFaultStack } from './fault-harness';

/**
 * Registration, login and refresh with a failure injected at every DynamoDB call of a successful run
 * (and, for writes, with the write applied and its reply lost). After the failure the client retries
 * the same request without faults; the retry must succeed and leave exactly what one success leaves.
 */

let stack: FaultStack;
let main: Actor;
beforeAll(async () => {
  stack = await startFaultStack();
  main = stack.main;
});
afterAll(() => stack.close());

const PASSWORD = 'a sound passphrase';

describe('registration under faults', () => {
  it('never leaves the identifier unusable: the retry registers, and one account with one session remains', async () => {
    main.faults.reset();
    await register(main.account, { identifier: 'fault-reg-baseline', password: PASSWORD });
    const cases = faultCases(main.faults.calls);
    expect(cases.length).toBeGreaterThan(3);

    const problems = await eachFault(cases, async ({ index, timing }) => {
      const identifier = `fault-reg-${index}-${timing}`;
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await register(main.account, { identifier, password: PASSWORD }).catch((error: unknown) => error);
      if (main.faults.fired !== 1) throw new Error('the fault did not fire');
      main.faults.reset();
      // Even without a retry, the failed sign-up left nothing behind.
      expect(await stack.orphans()).toEqual([]);
      let userId: string;
      if (first instanceof Error) {
        expectOutage(first);
        userId = (await register(main.account, { identifier, password: PASSWORD })).user.id;
      } else {
        // Recovered by itself (the lost reply was a write that had been applied): the client got its answer.
        userId = (first as Awaited<ReturnType<typeof register>>).user.id;
      }
      const { tokens } = await login(main.account, { identifier, password: PASSWORD });
      await authenticate(main.account, tokens.accessToken);
      // One sign-up's session plus the login's.
      expect(await itemsOf(stack, userId)).toEqual({ USER: 1, IDENT: 1, RTF: 2, RT: 2 });
      expect(await stack.orphans()).toEqual([]);
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});

describe('login under faults', () => {
  it('answers the outage, and the retry logs in with no half-made session left', async () => {
    const { user } = await register(main.account, { identifier: 'fault-login', password: PASSWORD });
    main.faults.reset();
    await login(main.account, { identifier: 'fault-login', password: PASSWORD });
    const cases = faultCases(main.faults.calls);
    let sessions = 2;

    const problems = await eachFault(cases, async ({ index, timing }) => {
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await login(main.account, { identifier: 'fault-login', password: PASSWORD }).catch((error: unknown) => error);
      main.faults.reset();
      expect(await stack.orphans()).toEqual([]);
      if (first instanceof Error) {
        expectOutage(first);
        await login(main.account, { identifier: 'fault-login', password: PASSWORD });
      }
      sessions++;
      expect(await itemsOf(stack, user.id)).toEqual({ USER: 1, IDENT: 1, RTF: sessions, RT: sessions });
      expect(await stack.orphans()).toEqual([]);
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});

describe('refresh under faults', () => {
  it('keeps the session: the retried refresh with the same token succeeds, and the old token is rotated out', async () => {
    const { tokens: start } = await register(main.account, { identifier: 'fault-refresh', password: PASSWORD });
    main.faults.reset();
    const baseline = await refresh(main.account, { refreshToken: start.refreshToken });
    const cases = faultCases(main.faults.calls);
    let current = baseline.refreshToken;

    const problems = await eachFault(cases, async ({ index, timing }) => {
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await refresh(main.account, { refreshToken: current }).catch((error: unknown) => error);
      main.faults.reset();
      let next;
      if (first instanceof Error) {
        expectOutage(first);
        next = await refresh(main.account, { refreshToken: current });
      } else {
        next = first as Awaited<ReturnType<typeof refresh>>;
      }
      await authenticate(main.account, next.accessToken);
      const previous = await main.account.sessions.getToken(hashRefreshToken(current));
      expect(previous?.rotatedAt).toBeDefined();
      // Exactly one usable token in the session: the new one.
      const session = previous?.sessionId;
      const live = (await stack.table.scanAll()).filter((item) => item.sk === 'RT' && item.sessionId === session && !item.rotatedAt);
      expect(live.map((item) => item.pk)).toEqual([`RT#${hashRefreshToken(next.refreshToken)}`]);
      expect(await stack.orphans()).toEqual([]);
      current = next.refreshToken;
    });
    expect(problems).toEqual([]);
    // The chain is intact: the newest token still refreshes, so no fault revoked the session.
    await expect(refresh(main.account, { refreshToken: current })).resolves.toBeDefined();
  }, FAULT_RUN_TIMEOUT_MS);
});
