import { HaloError } from '../errors';
import { parseIdentifier, type Identifier } from '../identifiers/parse-identifier';
import { assertAcceptablePassword } from '../passwords/password-policy';
import type { UserRecord } from '../storage/users-repository';
import type { AccountDeps } from './account-deps';
import { claimIdentifier } from './identifier-claims';
import { openSession, type TokenPair } from './sessions';
import { addSeconds } from './time';
import { toUserView, type UserView } from './user-view';

export interface Registration {
  readonly identifier: string;
  readonly password: string;
  readonly clientId?: string;
}

/**
 * Sign-up without transactions, ordered so a crash at any point leaves nothing reachable:
 * 1. a pending user (nothing points at it; its TTL removes it if we never come back),
 * 2. the identifier claim (the conditional write that decides races: exactly one wins),
 * 3. the session (unusable while the user is pending),
 * 4. activation. A claim left by a sign-up that died before step 4 goes stale after
 *    `pendingSignUpSeconds` and is taken over, so a crash can never lock an identifier away; a sign-up
 *    that fails (rather than dies) undoes itself, so its retry succeeds at once.
 */
export async function register(deps: AccountDeps, input: Registration): Promise<{ user: UserView; tokens: TokenPair }> {
  const identifier = await parseIdentifier(input.identifier);
  await assertAcceptablePassword(input.password, identifier.key);

  const now = deps.clock();
  const pendingUntil = addSeconds(now, deps.settings.pendingSignUpSeconds);
  const user: UserRecord = {
    id: deps.newId(),
    identifier: identifier.display,
    identifierType: identifier.type,
    identifierKey: identifier.key,
    identifiers: { [identifier.type]: { display: identifier.display, key: identifier.key, addedAt: now.toISOString() } },
    passwordHash: await deps.passwords.hash(input.password),
    registeredAt: now.toISOString(),
    status: 'pending',
    pendingUntil: pendingUntil.toISOString(),
  };

  let session: Awaited<ReturnType<typeof openSession>> | undefined;
  try {
    await deps.users.putPendingUser(user, pendingUntil);
    if (!(await claimIdentifier(deps.users, identifier, user.id, now))) {
      await deps.users.deletePendingUser(user.id);
      throw new HaloError('identifier_taken', { identifier: `this ${identifier.type} is already registered` });
    }
    // The session is written while the user is still pending (no token of a pending user works), so
    // that nothing is left to fail once the account is active: a failure is then always undone whole.
    session = await openSession(deps, user.id, input.clientId ?? deps.settings.defaultClientId);
    if (!(await activate(deps, user.id))) {
      throw new Error(`sign-up of user ${user.id} stalled past its pending window; the client may retry`);
    }
    return { user: toUserView({ ...user, status: 'active' }, deps.settings.publicBaseUrl), tokens: session.tokens };
  } catch (error) {
    if (!(error instanceof HaloError)) await abandonSignUp(deps, user.id, identifier, session).catch(() => undefined);
    throw error;
  }
}

/** Activation whose reply was lost after the write was applied is a success: the user is read back. */
async function activate(deps: AccountDeps, userId: string): Promise<boolean> {
  try {
    return await deps.users.activateUser(userId, deps.clock());
  } catch (error) {
    if ((await deps.users.getUser(userId))?.status === 'active') return true;
    throw error;
  }
}

/**
 * Undoes a sign-up that failed (an outage), so the client's retry finds the identifier free at once.
 * The pending user goes first: from then on its claim points at nobody and any sign-up takes it over,
 * even if releasing it fails too. An activated user is never touched.
 */
async function abandonSignUp(deps: AccountDeps, userId: string, identifier: Identifier, session?: { remove(): Promise<void> }) {
  if (!(await deps.users.deletePendingUser(userId))) return;
  await session?.remove();
  await deps.users.releaseClaim(identifier, userId);
}
