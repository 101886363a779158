import { randomUUID } from 'node:crypto';
import { authenticate } from '#lib/accounts/authenticate';
import { addIdentifier } from '#lib/accounts/add-identifier';
import { changePassword } from '#lib/accounts/change-password';
import { deleteAccount } from '#lib/accounts/delete-account';
import { login } from '#lib/accounts/login';
import { refresh } from '#lib/accounts/refresh';
import { register } from '#lib/accounts/register';
import { uploadKey } from '#lib/avatars/avatar-objects';
import { HaloError } from '#lib/errors';
import { createAbuseCountersRepository } from '#lib/storage/abuse-counters-repository';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import { processUpload } from '#lib/avatars/process-upload';
import { landing } from '../support/in-memory-upload-grants';
import { storeAvatar } from '#lib/avatars/store-avatar';
import { connectSocket, pingSocket } from '#lib/sockets/socket-sessions';
import { pngImage } from '../support/images';
import { listAllKeys } from '../support/orphan-scan';
import { eachFault, FAULT_RUN_TIMEOUT_MS, itemsOf, startFaultStack, type Actor, type FaultStack } from './fault-harness';

/**
 * Deletion racing a socket's `$connect` and a direct upload, forced through every interleaving at the
 * granularity of SDK calls: one flow is paused at its k-th call while the other runs to the end, then
 * resumed (for every k of each flow). Whatever the order, nothing of the account survives and no socket
 * of it stays open; and of two flows taking one identifier (two adds, an add and a sign-up), exactly one wins. (Racing uploads, racing refreshes and racing sign-ups are covered in
 * tests/integration; racing uploads over HTTP in tests/e2e/races.e2e.test.ts.)
 */

let stack: FaultStack;
let setup: Actor;
let image: Buffer;
beforeAll(async () => {
  stack = await startFaultStack();
  setup = stack.actor();
  image = await pngImage(40, 30);
});
afterAll(() => stack.close());

async function account(identifier: string) {
  const { user, tokens } = await register(setup.account, { identifier, password: 'a sound passphrase' });
  await storeAvatar(setup.avatars, user.id, image);
  await stack.settleBucket();
  return { userId: user.id, accessToken: tokens.accessToken };
}

type Flow = (actor: Actor) => Promise<unknown>;

/**
 * Runs `held` and `free` with `held` paused at its k-th call until `free` has settled, for every k of a
 * baseline run of `held`; `check` then judges the outcome.
 */
async function interleavings(
  name: string,
  arrange: (round: string) => Promise<{ held: Flow; free: Flow; check: (outcomes: PromiseSettledResult<unknown>[]) => Promise<void> }>,
): Promise<string[]> {
  const baseline = await arrange(`${name}-baseline`);
  const counter = stack.actor();
  await baseline.held(counter).catch(() => undefined);
  const steps = counter.faults.calls.length;
  counter.destroy();
  expect(steps).toBeGreaterThan(1);

  const cases = Array.from({ length: steps }, (_, i) => ({ index: i + 1, timing: 'before' as const, label: `${name} paused at call ${i + 1}`, call: { service: 'DynamoDB' as const, operation: '', input: {} } }));
  return eachFault(cases, async ({ index }) => {
    const { held, free, check } = await arrange(`${name}-${index}`);
    const heldActor = stack.actor();
    const freeActor = stack.actor();
    try {
      let release!: () => void;
      const released = new Promise<void>((done) => (release = done));
      let calls = 0;
      const reached = heldActor.faults.holdWhen(() => ++calls === index, released);
      const heldRun = held(heldActor);
      await Promise.race([reached, heldRun.catch(() => undefined)]);
      const freeRun = free(freeActor);
      await freeRun.catch(() => undefined);
      release();
      await check(await Promise.allSettled([heldRun, freeRun]));
    } finally {
      heldActor.destroy();
      freeActor.destroy();
    }
  });
}

describe('deletion racing a socket connecting', () => {
  const seen = new Set<string>();
  beforeEach(() => seen.clear());
  /**
   * `$connect` answers, then API Gateway opens the socket. A socket whose `$connect` finished just as
   * the deletion closed everything can still open after it: it has no record (nothing is ever sent to
   * it) and its user is gone, and its first ping closes it (see docs/design.md, "Failure and recovery").
   */
  const arrange = async (round: string) => {
    const { userId, accessToken } = await account(`connect-${round}@race.example`);
    const connectionId = `conn-${randomUUID()}=`;
    let connected = false;
    const connect: Flow = async (actor) => {
      await connectSocket(actor.sockets, connectionId, accessToken);
      connected = true;
      stack.connections.live.add(connectionId); // the handshake completes
    };
    const remove: Flow = (actor) => deleteAccount(actor.deletion, userId);
    const check = async (deletion: PromiseSettledResult<unknown> | undefined, { pingAllowed }: { pingAllowed: boolean }) => {
      if (deletion?.status === 'rejected') throw deletion.reason;
      seen.add(connected ? 'connected' : 'refused');
      if (stack.connections.live.has(connectionId)) {
        expect({ connected, pingAllowed }).toEqual({ connected: true, pingAllowed: true });
        seen.add('closed at its first ping');
        expect(await pingSocket(setup.sockets, connectionId)).toBeUndefined();
      }
      expect(stack.connections.live.has(connectionId)).toBe(false);
      expect(await itemsOf(stack, userId)).toEqual({});
      expect(await stack.orphans()).toEqual([]);
    };
    return { connect, remove, check };
  };

  it('leaves no record and no open socket, with $connect paused at each of its calls', async () => {
    const problems = await interleavings('connect', async (round) => {
      const { connect, remove, check } = await arrange(round);
      return { held: connect, free: remove, check: ([, deletion]) => check(deletion, { pingAllowed: true }) };
    });
    expect(problems).toEqual([]);
    expect(seen.has('refused')).toBe(true);
  }, FAULT_RUN_TIMEOUT_MS);

  it('closes the socket itself, with the deletion paused at each of its calls while the socket connects', async () => {
    const problems = await interleavings('delete', async (round) => {
      const { connect, remove, check } = await arrange(round);
      return {
        held: remove,
        free: connect,
        // If the socket got in, it did so in full before the deletion went on: the deletion must find and close it.
        check: ([deletion]) => check(deletion, { pingAllowed: false }),
      };
    });
    expect(problems).toEqual([]);
    expect([...seen].sort()).toEqual(['connected', 'refused']);
  }, FAULT_RUN_TIMEOUT_MS);

  it('closes, at its first ping, a socket whose handshake completes only after the deletion has finished', async () => {
    const { userId, accessToken } = await account('late-open@race.example');
    const connectionId = `late-${randomUUID()}=`;
    await connectSocket(setup.sockets, connectionId, accessToken); // $connect answers 200 while the account is active
    await deleteAccount(setup.deletion, userId); // ... and the deletion runs before API Gateway opens the socket
    expect(await itemsOf(stack, userId)).toEqual({});
    stack.connections.live.add(connectionId);
    // Nothing can reach it (no record, no user, every token dead), and its first ping closes it.
    expect(await pingSocket(setup.sockets, connectionId)).toBeUndefined();
    expect(stack.connections.live.has(connectionId)).toBe(false);
    expect(await stack.orphans()).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});

describe('deletion racing a direct upload (the S3 event of uploads/)', () => {
  const arrange = async (round: string) => {
    const { userId } = await account(`upload-${round}@race.example`);
    const uploadId = randomUUID();
    await stack.grantUpload(userId, uploadId);
    await stack.putObject(uploadKey(userId, uploadId), image);
    const upload: Flow = (actor) => processUpload(actor.avatars, userId, uploadId, landing());
    const remove: Flow = (actor) => deleteAccount(actor.deletion, userId);
    const check = async (outcomes: PromiseSettledResult<unknown>[]) => {
      for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
      await stack.settleBucket(); // the S3 events of whatever the upload wrote
      expect((await listAllKeys(stack.s3, stack.bucket)).filter((key) => key.includes(userId))).toEqual([]);
      expect(await itemsOf(stack, userId)).toEqual({});
      expect(await stack.orphans()).toEqual([]);
    };
    return { upload, remove, check };
  };

  it('leaves no object and no item, with the upload paused at each of its calls', async () => {
    const problems = await interleavings('upload', async (round) => {
      const { upload, remove, check } = await arrange(round);
      return { held: upload, free: remove, check };
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);

  it('leaves no object and no item, with the deletion paused at each of its calls', async () => {
    const problems = await interleavings('upload-delete', async (round) => {
      const { upload, remove, check } = await arrange(round);
      return { held: remove, free: upload, check };
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});

describe('a password change racing the other device (refresh) and a login with the old password', () => {
  const PASSWORD = 'a sound passphrase';
  const NEW_PASSWORD = 'an even sounder passphrase';
  const change = (actor: Actor, accessToken: string) =>
    changePassword(
      { account: actor.account, throttle: { counters: createAbuseCountersRepository(actor.clients.db, stack.table.tableName), limits: DEFAULT_LIMITS.login, clock: () => new Date() } },
      accessToken,
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      '192.0.2.10',
    );
  const refused = async (tokens: { accessToken: string; refreshToken?: string }) => {
    await expect(authenticate(setup.account, tokens.accessToken)).rejects.toMatchObject({ code: 'invalid_token' });
    if (tokens.refreshToken) await expect(refresh(setup.account, { refreshToken: tokens.refreshToken })).rejects.toMatchObject({ code: 'invalid_grant' });
  };

  /** Whatever the order: the change stands, and nothing of the other device (nor what its refresh returned) works. */
  const arrangeRefresh = async (round: string) => {
    const identifier = `pw-refresh-${round}@race.example`;
    const caller = (await register(setup.account, { identifier, password: PASSWORD })).tokens;
    const other = (await login(setup.account, { identifier, password: PASSWORD })).tokens;
    const changeFlow: Flow = (actor) => change(actor, caller.accessToken);
    const refreshFlow: Flow = (actor) => refresh(actor.account, { refreshToken: other.refreshToken });
    const check = async ([changed, refreshed]: PromiseSettledResult<unknown>[]) => {
      if (changed?.status === 'rejected') throw changed.reason;
      if (refreshed?.status === 'fulfilled') await refused(refreshed.value as { accessToken: string; refreshToken: string });
      else if (!(refreshed?.reason instanceof HaloError)) throw refreshed?.reason;
      await refused(other);
      await expect(authenticate(setup.account, caller.accessToken)).resolves.toBeDefined();
    };
    return { changeFlow, refreshFlow, check };
  };

  it('ends the other device, with the refresh paused at each of its calls', async () => {
    const problems = await interleavings('pw-refresh-held', async (round) => {
      const { changeFlow, refreshFlow, check } = await arrangeRefresh(round);
      return { held: refreshFlow, free: changeFlow, check: ([refreshed, changed]) => check([changed as PromiseSettledResult<unknown>, refreshed as PromiseSettledResult<unknown>]) };
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);

  it('ends the other device, with the change paused at each of its calls', async () => {
    const problems = await interleavings('pw-change-held', async (round) => {
      const { changeFlow, refreshFlow, check } = await arrangeRefresh(round);
      return { held: changeFlow, free: refreshFlow, check };
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);

  /** A login that verified the old password while the change ran never keeps a working session. */
  const arrangeLogin = async (round: string) => {
    const identifier = `pw-login-${round}@race.example`;
    const caller = (await register(setup.account, { identifier, password: PASSWORD })).tokens;
    const changeFlow: Flow = (actor) => change(actor, caller.accessToken);
    const loginFlow: Flow = (actor) => login(actor.account, { identifier, password: PASSWORD });
    const check = async ([changed, loggedIn]: PromiseSettledResult<unknown>[]) => {
      if (changed?.status === 'rejected') throw changed.reason;
      if (loggedIn?.status === 'fulfilled') await refused((loggedIn.value as { tokens: { accessToken: string; refreshToken: string } }).tokens);
      else expect(loggedIn?.reason).toMatchObject({ code: 'invalid_credentials' });
      await expect(login(setup.account, { identifier, password: PASSWORD })).rejects.toMatchObject({ code: 'invalid_credentials' });
      await expect(authenticate(setup.account, caller.accessToken)).resolves.toBeDefined();
    };
    return { changeFlow, loginFlow, check };
  };

  it('leaves no working session to an old-password login paused at each of its calls', async () => {
    const problems = await interleavings('pw-login-held', async (round) => {
      const { changeFlow, loginFlow, check } = await arrangeLogin(round);
      return { held: loginFlow, free: changeFlow, check: ([loggedIn, changed]) => check([changed as PromiseSettledResult<unknown>, loggedIn as PromiseSettledResult<unknown>]) };
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);

  it('leaves no working session to an old-password login, with the change paused at each of its calls', async () => {
    const problems = await interleavings('pw-change-vs-login', async (round) => {
      const { changeFlow, loginFlow, check } = await arrangeLogin(round);
      return { held: changeFlow, free: loginFlow, check };
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});

describe('racing for one identifier (adds and sign-ups)', () => {
  const PASSWORD = 'a sound passphrase';
  const signedUp = async (identifier: string) => {
    const { user, tokens } = await register(setup.account, { identifier, password: PASSWORD });
    return { userId: user.id, accessToken: tokens.accessToken };
  };
  /** Exactly one of the two flows won, the identifier logs in to the winner only, and nothing is left over. */
  const exactlyOneWins = (identifier: string, winners: (outcomes: PromiseSettledResult<unknown>[]) => Promise<string>) => async (outcomes: PromiseSettledResult<unknown>[]) => {
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'identifier_taken' });
    const winner = await winners(outcomes);
    expect((await login(setup.account, { identifier, password: PASSWORD })).user.id).toBe(winner);
    expect(await stack.orphans()).toEqual([]);
  };

  it('two accounts adding it: exactly one wins, with either paused at each of its calls', async () => {
    const problems = await interleavings('add-add', async (round) => {
      const identifier = `${round}@race.example`;
      const [a, b] = [await signedUp(`a-${round}`), await signedUp(`b-${round}`)];
      const add = (who: { accessToken: string }): Flow => (actor) => addIdentifier(actor.identifiers, who.accessToken, () => identifier);
      return {
        held: add(a),
        free: add(b),
        check: exactlyOneWins(identifier, async (outcomes) => (outcomes[0]?.status === 'fulfilled' ? a.userId : b.userId)),
      };
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);

  it('an add and a sign-up: exactly one wins, with the add paused at each of its calls', async () => {
    const problems = await interleavings('add-signup', async (round) => {
      const identifier = `${round}@race.example`;
      const a = await signedUp(`a-${round}`);
      return {
        held: (actor) => addIdentifier(actor.identifiers, a.accessToken, () => identifier),
        free: (actor) => register(actor.account, { identifier, password: PASSWORD }),
        check: exactlyOneWins(identifier, async (outcomes) =>
          outcomes[0]?.status === 'fulfilled' ? a.userId : (outcomes[1] as PromiseFulfilledResult<Awaited<ReturnType<typeof register>>>).value.user.id,
        ),
      };
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);

  it('a sign-up and an add: exactly one wins, with the sign-up paused at each of its calls', async () => {
    const problems = await interleavings('signup-add', async (round) => {
      const identifier = `${round}@race.example`;
      const a = await signedUp(`a-${round}`);
      return {
        held: (actor) => register(actor.account, { identifier, password: PASSWORD }),
        free: (actor) => addIdentifier(actor.identifiers, a.accessToken, () => identifier),
        check: exactlyOneWins(identifier, async (outcomes) =>
          outcomes[1]?.status === 'fulfilled' ? a.userId : (outcomes[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof register>>>).value.user.id,
        ),
      };
    });
    expect(problems).toEqual([]);
  }, FAULT_RUN_TIMEOUT_MS);
});
