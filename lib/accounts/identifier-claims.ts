import type { Identifier } from '../identifiers/parse-identifier';
import { identifiersOf, type IdentifierClaim, type UserRecord, type UsersRepository } from '../storage/users-repository';

/**
 * Whether a user holds an identifier: it is active and its map lists that very identifier. A claim counts only
 * then (login, sign-up and adds all go by it), so a claim left by a step that never finished (a sign-up or an add
 * that died, a removal that stopped before deleting its claim) lets nobody in.
 */
export const holds = (user: UserRecord | undefined, identifier: Identifier): boolean =>
  user?.status === 'active' && identifiersOf(user)[identifier.type]?.key === identifier.key;

/**
 * Whether a claim that may be in use can be taken over. Never while it counts, nor while its user is being
 * deleted (the deletion removes it; taking it first would let the deletion's unconditional clean-up of the
 * user's items remove the new owner's claim). Otherwise: an add's claim once past its `pendingUntil`, a sign-up's
 * once its pending user is past its own (or gone), and any other at once (left by a removal that stopped).
 */
export function isStale(claim: IdentifierClaim, holder: UserRecord | undefined, identifier: Identifier, now: Date): boolean {
  if (!holder) return true;
  if (holder.status === 'deleting' || holds(holder, identifier)) return false;
  const at = now.toISOString();
  if (claim.pendingUntil !== undefined) return claim.pendingUntil < at;
  if (holder.status === 'pending') return (holder.pendingUntil ?? '') < at;
  return true;
}

/**
 * The conditional write that decides every race for an identifier (two sign-ups, two adds, a sign-up and an add):
 * exactly one claim put succeeds, and a stale claim is replaced only if it still points where it did when judged.
 * `pendingUntil` is given by an add (its claim carries it until confirmed). A claim already pointing at `userId`
 * (an earlier attempt of the same add) is taken again, with the new deadline.
 */
export async function claimIdentifier(
  users: UsersRepository,
  identifier: Identifier,
  userId: string,
  now: Date,
  pendingUntil?: Date,
): Promise<boolean> {
  if (await users.claimIdentifier(identifier, userId, pendingUntil)) return true;
  const existing = await users.getClaim(identifier);
  if (!existing) return users.claimIdentifier(identifier, userId, pendingUntil); // released meanwhile
  if (existing.userId === userId) return users.replaceStaleClaim(identifier, userId, userId, pendingUntil);
  const holder = await users.getUser(existing.userId);
  return isStale(existing, holder, identifier, now) && users.replaceStaleClaim(identifier, existing.userId, userId, pendingUntil);
}
