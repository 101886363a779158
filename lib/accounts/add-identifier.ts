import { HaloError } from '../errors';
import { parseIdentifier, type Identifier } from '../identifiers/parse-identifier';
import { identifiersOf, type UserRecord } from '../storage/users-repository';
import { authenticate } from './authenticate';
import { claimIdentifier } from './identifier-claims';
import { tellIdentifiersChanged } from './identifier-changed';
import type { IdentifierChangeDeps } from './identifier-deps';
import { addSeconds } from './time';
import { toUserView, type UserView } from './user-view';

export const identifierTaken = (identifier: Identifier) =>
  new HaloError('identifier_taken', { identifier: `this ${identifier.type} is already registered` });

const oneOfEachType = (type: string, held: string) =>
  new HaloError('conflict', { identifier: `this account already has ${type === 'email' ? 'an' : 'a'} ${type} (${held}); remove it first to use another` });

/**
 * `POST /api/user/identifiers`: gives the account another identifier, parsed and normalised as at sign-up. Without
 * transactions, in an order where every crash point leaves nothing reachable that should not be:
 * 1. the claim (identifier-claims.ts), carrying `pendingUntil`: the conditional write that decides the race with
 *    any other account or sign-up. Until the user lists it, it counts for nothing (login wants both);
 * 2. the user's map gains the entry, only while the user is active and has none of that type (so two adds of one
 *    type on one account cannot both land), and only before the claim's deadline (after it the claim may have been
 *    taken over);
 * 3. confirmation: the claim loses its deadline, only if it still points at the user. It always does unless step
 *    2 came late; then the entry is taken back and the add refused.
 * A failure (an outage) between the steps undoes what it can, entry first, then the claim: whatever is left is a
 * claim its user does not list, which opens nothing and goes stale (its TTL removes it on AWS).
 * Answers `created: false` when the account already had this very identifier (a retried add).
 */
export async function addIdentifier(
  deps: IdentifierChangeDeps,
  accessToken: string,
  requested: () => string,
): Promise<{ user: UserView; created: boolean }> {
  // The body is read only once the caller is known: a request without a good token is refused before it is looked at.
  const { user } = await authenticate(deps.session, accessToken);
  const identifier = await parseIdentifier(requested());
  const held = identifiersOf(user)[identifier.type];
  const view = (record: UserRecord) => toUserView(record, deps.session.settings.publicBaseUrl);
  if (held?.key === identifier.key) return { user: view(user), created: false };
  if (held) throw oneOfEachType(identifier.type, held.display);

  const { users, clock, settings } = deps.session;
  const now = clock();
  const pendingUntil = addSeconds(now, settings.pendingSignUpSeconds);
  const entry = { display: identifier.display, key: identifier.key, addedAt: now.toISOString() };
  try {
    if (!(await claimIdentifier(users, identifier, user.id, now, pendingUntil))) throw identifierTaken(identifier);
    if (!(clock() < pendingUntil)) throw new Error(`adding an identifier to ${user.id} stalled past its claim's deadline`);
    if (!(await deps.identifiers.addToUser(user.id, identifier.type, entry, identifiersOf(user)))) {
      await users.releaseClaim(identifier, user.id);
      throw await refusalAfterLostUpdate(deps, user.id, identifier);
    }
    if (!(await deps.identifiers.confirmClaim(identifier, user.id))) {
      await deps.identifiers.unlistFromUser(user.id, identifier);
      throw identifierTaken(identifier);
    }
  } catch (error) {
    if (!(error instanceof HaloError)) await undoAdd(deps, user.id, identifier).catch(() => undefined);
    throw error;
  }

  const updated: UserRecord = { ...user, identifiers: { ...identifiersOf(user), [identifier.type]: entry } };
  const result = view(updated);
  await tellIdentifiersChanged(deps, user.id, result.identifiers);
  return { user: result, created: true };
}

/** Why the map's conditional update did not apply: the account stopped being usable, or another add of that type won. */
async function refusalAfterLostUpdate(deps: IdentifierChangeDeps, userId: string, identifier: Identifier): Promise<HaloError> {
  const current = await deps.session.users.getUser(userId);
  const held = current && identifiersOf(current)[identifier.type];
  if (current?.status === 'active' && held) return oneOfEachType(identifier.type, held.display);
  return new HaloError('account_gone', { accessToken: 'the account no longer exists' });
}

/** Entry first (from then on the claim counts for nothing), then the claim: both only if still this add's. */
async function undoAdd(deps: IdentifierChangeDeps, userId: string, identifier: Identifier): Promise<void> {
  await deps.identifiers.unlistFromUser(userId, identifier);
  await deps.session.users.releaseClaim(identifier, userId);
}
