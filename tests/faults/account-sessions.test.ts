import { authenticate } from '#lib/accounts/authenticate';
import { changePassword, type PasswordChangeDeps } from '#lib/accounts/change-password';
import { endOneSession } from '#lib/accounts/end-sessions';
import { login } from '#lib/accounts/login';
import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { HaloError } from '#lib/errors';
import { createAbuseCountersRepository } from '#lib/storage/abuse-counters-repository';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { eachFault, FAULT_RUN_TIMEOUT_MS, faultCases, startFaultStack, type Actor, type FaultStack } from './fault-harness';

/**
 * The password change and the sign-out of one device with a failure injected at every DynamoDB call of a
 * successful run (and, for writes, with the write applied and its reply lost). Whatever happens, exactly one
 * password logs in; once the new one does, the other device is refused everywhere (even when its revocation
 * never ran: passwordChangedAt ends it), and the caller's session stands. A failed sign-out leaves the session
 * either ended or alive, never half: the retry ends it.
 */

let stack: FaultStack;
let main: Actor;
beforeAll(async () => {
  stack = await startFaultStack();
  main = stack.main;
});
afterAll(() => stack.close());

const PASSWORD = 'a sound passphrase';
const NEW_PASSWORD = 'an even sounder passphrase';

const changeDeps = (): PasswordChangeDeps => ({
  account: main.account,
  throttle: { counters: createAbuseCountersRepository(main.clients.db, stack.table.tableName), limits: DEFAULT_LIMITS.login, clock: () => new Date() },
});

/** An account signed in on two devices, made without faults. */
async function twoDevices(identifier: string) {
  main.faults.reset();
  const caller = (await register(main.account, { identifier, password: PASSWORD })).tokens;
  const other = (await login(main.account, { identifier, password: PASSWORD })).tokens;
  return { caller, other };
}

const logsIn = (identifier: string, password: string) =>
  login(main.account, { identifier, password }).then(
    () => true,
    (error: unknown) => {
      if (error instanceof HaloError && error.code === 'invalid_credentials') return false;
      throw error;
    },
  );

describe('password change under faults', () => {
  it('exactly one password works afterwards; with the new one, the other device is refused and the caller stands', async () => {
    const baseline = await twoDevices('fault-pw-baseline');
    main.faults.reset();
    await changePassword(changeDeps(), baseline.caller.accessToken, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, '192.0.2.9');
    const cases = faultCases(main.faults.calls);
    expect(cases.length).toBeGreaterThan(5);

    const problems = await eachFault(cases, async ({ index, timing }) => {
      const identifier = `fault-pw-${index}-${timing}`;
      const { caller, other } = await twoDevices(identifier);
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await changePassword(changeDeps(), caller.accessToken, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, '192.0.2.9').catch(
        (error: unknown) => error,
      );
      if (main.faults.fired !== 1) throw new Error('the fault did not fire');
      main.faults.reset();
      if (first instanceof HaloError) throw new Error(`failed with ${first.code} instead of the outage error`);
      // The client retries an outage; a retry after a change that was applied is told the password is wrong.
      if (first instanceof Error) {
        await changePassword(changeDeps(), caller.accessToken, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, '192.0.2.9').catch((error: unknown) => {
          if (!(error instanceof HaloError && error.code === 'wrong_password')) throw error;
        });
      }
      const [oldWorks, newWorks] = [await logsIn(identifier, PASSWORD), await logsIn(identifier, NEW_PASSWORD)];
      expect({ oldWorks, newWorks }).toEqual({ oldWorks: false, newWorks: true });
      await expect(authenticate(main.account, other.accessToken)).rejects.toMatchObject({ code: 'invalid_token' });
      await expect(refresh(main.account, { refreshToken: other.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
      await expect(authenticate(main.account, caller.accessToken)).resolves.toBeDefined();
      expect(await stack.orphans()).toEqual([]);
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});

describe('signing one device out under faults', () => {
  it('the session is ended once the call or its retry answers; the caller stands', async () => {
    const sessionIdOf = async (accessToken: string) => (await main.account.accessTokens.verify(accessToken, new Date())).sessionId;
    const baseline = await twoDevices('fault-out-baseline');
    main.faults.reset();
    await endOneSession(main.account, baseline.caller.accessToken, await sessionIdOf(baseline.other.accessToken));
    const cases = faultCases(main.faults.calls);

    const problems = await eachFault(cases, async ({ index, timing }) => {
      const { caller, other } = await twoDevices(`fault-out-${index}-${timing}`);
      const otherId = await sessionIdOf(other.accessToken);
      main.faults.reset();
      main.faults.failCall(index, { timing });
      const first = await endOneSession(main.account, caller.accessToken, otherId).catch((error: unknown) => error);
      main.faults.reset();
      if (first instanceof HaloError) throw new Error(`failed with ${first.code} instead of the outage error`);
      if (first instanceof Error) {
        // The retry ends it, or (the revocation was applied, its reply lost) finds it already ended: 404.
        await endOneSession(main.account, caller.accessToken, otherId).catch((error: unknown) => {
          if (!(error instanceof HaloError && error.code === 'not_found')) throw error;
        });
      }
      await expect(authenticate(main.account, other.accessToken)).rejects.toMatchObject({ code: 'invalid_token' });
      await expect(refresh(main.account, { refreshToken: other.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
      await expect(authenticate(main.account, caller.accessToken)).resolves.toBeDefined();
      expect(await stack.orphans()).toEqual([]);
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});
