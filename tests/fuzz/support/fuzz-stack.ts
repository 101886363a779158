import { randomUUID } from 'node:crypto';
import { startStackProcess, UNTHROTTLED_STAGES, type RunningStack } from '#tests/support/embedded-stack-process';
import { bearer, call, postJson } from '#tests/support/http';

export const WITNESS_PASSWORD = 'correct horse battery staple';

/** A user registered before the fuzzing starts, whose profile must still be served after it. */
export interface Witness {
  readonly id: string;
  readonly identifier: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

export async function registerWitness(stack: RunningStack, label = 'witness'): Promise<Witness> {
  const identifier = `${label}-${randomUUID().slice(0, 8)}@example.com`;
  const registered = await postJson(`${stack.url}/api/register`, { identifier, password: WITNESS_PASSWORD });
  if (registered.status !== 201) throw new Error(`could not register the witness: ${registered.status} ${registered.text}`);
  const { user, accessToken, refreshToken } = registered.json.data;
  return { id: user.id, identifier, accessToken, refreshToken };
}

/** The stack still serves a normal request after a property threw garbage at it. */
export async function expectStillServing(stack: RunningStack, witness: Witness): Promise<void> {
  const profile = await call(`${stack.url}/api/user`, { headers: bearer(witness.accessToken) });
  expect(profile.status).toBe(200);
  expect(profile.json.data.user.id).toBe(witness.id);
}

/**
 * One embedded stack per file, started as `npm start` does, except for the stage throttle: the fuzzers fire
 * requests as fast as the stack answers them (ten times as many with HALO_FUZZ_RUNS=10) and check Halo's own
 * answer to each, which a throttled 429 would hide. The throttle itself is tested in tests/e2e/stage-throttle.e2e.test.ts.
 */
export async function startFuzzStack(): Promise<RunningStack> {
  return startStackProcess({ env: UNTHROTTLED_STAGES });
}

export interface FuzzTarget {
  readonly stack: RunningStack;
  readonly witness: Witness;
}

/**
 * The calling file's stack and witness: started before its tests, checked to still serve after each one,
 * stopped after them all. Read `.stack` and `.witness` inside tests (they exist once `beforeAll` has run).
 */
export function useFuzzStack(): FuzzTarget {
  let target: FuzzTarget | undefined;
  const started = () => {
    if (!target) throw new Error('the fuzz stack is used before beforeAll started it');
    return target;
  };
  beforeAll(async () => {
    const stack = await startFuzzStack();
    target = { stack, witness: await registerWitness(stack) };
  });
  afterAll(() => target?.stack.stop());
  afterEach(() => expectStillServing(started().stack, started().witness));
  return {
    get stack() {
      return started().stack;
    },
    get witness() {
      return started().witness;
    },
  };
}
