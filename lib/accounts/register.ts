import { HaloError } from '../errors';
import { parseIdentifier, type Identifier } from '../identifiers/parse-identifier';
import { assertAcceptablePassword } from '../passwords/password-policy';
import type { UserRecord } from '../storage/users-repository';
import type { AccountDeps } from './account-deps';
import { startSession, type TokenPair } from './sessions';
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
 * 3. activation. A claim left by a sign-up that died before step 3 goes stale after
 *    `pendingSignUpSeconds` and is taken over, so a crash can never lock an identifier away.
 */
export async function register(deps: AccountDeps, input: Registration): Promise<{ user: UserView; tokens: TokenPair }> {
  const identifier = parseIdentifier(input.identifier);
  await assertAcceptablePassword(input.password, identifier.key);

  const now = deps.clock();
  const pendingUntil = addSeconds(now, deps.settings.pendingSignUpSeconds);
  const user: UserRecord = {
    id: deps.newId(),
    identifier: identifier.display,
    identifierType: identifier.type,
    identifierKey: identifier.key,
    passwordHash: await deps.passwords.hash(input.password),
    registeredAt: now.toISOString(),
    status: 'pending',
    pendingUntil: pendingUntil.toISOString(),
  };

  await deps.users.putPendingUser(user, pendingUntil);
  if (!(await claim(deps, identifier, user.id, now))) {
    await deps.users.deletePendingUser(user.id);
    throw new HaloError('identifier_taken', { identifier: `this ${identifier.type} is already registered` });
  }
  if (!(await deps.users.activateUser(user.id, deps.clock()))) {
    throw new Error(`sign-up of user ${user.id} stalled past its pending window; the client may retry`);
  }

  const tokens = await startSession(deps, user.id, input.clientId ?? deps.settings.defaultClientId);
  return { user: toUserView({ ...user, status: 'active' }, deps.settings.publicBaseUrl), tokens };
}

async function claim(deps: AccountDeps, identifier: Identifier, userId: string, now: Date): Promise<boolean> {
  if (await deps.users.claimIdentifier(identifier, userId)) return true;
  const existing = await deps.users.getClaim(identifier);
  if (!existing) return deps.users.claimIdentifier(identifier, userId); // released meanwhile
  const holder = await deps.users.getUser(existing.userId);
  const stale = !holder || (holder.status === 'pending' && (holder.pendingUntil ?? '') < now.toISOString());
  return stale && deps.users.replaceStaleClaim(identifier, existing.userId, userId);
}
