import { HaloError } from '../errors';
import { parseIdentifier, type Identifier } from '../identifiers/parse-identifier';
import { identifiersOf, type UserRecord } from '../storage/users-repository';
import { authenticate } from './authenticate';
import { tellIdentifiersChanged } from './identifier-changed';
import type { IdentifierChangeDeps } from './identifier-deps';
import { toUserView, type UserView } from './user-view';

const notListed = () => new HaloError('not_found', { identifier: 'this account has no such identifier' });
const lastOne = () => new HaloError('conflict', { identifier: 'an account keeps at least one identifier: add another one first' });

/**
 * `DELETE /api/user/identifiers/{identifier}`: the identifier (parsed and normalised as at sign-up, so any spelling
 * of it finds it) leaves the account, which always keeps at least one. The map is updated first, under a
 * condition that it still lists this identifier and another one: from that write on the claim counts for nothing
 * (identifier-claims.ts), so the identifier is free for anyone at once, even if deleting the claim then fails (a
 * claim its active user does not list is taken over at once).
 */
export async function removeIdentifier(deps: IdentifierChangeDeps, accessToken: string, raw: string): Promise<{ user: UserView }> {
  const { user } = await authenticate(deps.session, accessToken);
  // Unparseable: a 400 naming what is wrong, as at sign-up.
  const identifier = await parseIdentifier(raw);
  const identifiers = identifiersOf(user);
  if (identifiers[identifier.type]?.key !== identifier.key) throw notListed();
  if (Object.values(identifiers).filter(Boolean).length < 2) throw lastOne();

  if (!(await unlist(deps, user.id, identifier))) throw await refusal(deps, user.id, identifier);
  // Tried twice, then left: a claim left here counts for nothing and is taken over at once (see above); the account's
  // deletion removes it too. The removal is done either way, so the answer does not depend on it.
  const release = () => deps.session.users.releaseClaim(identifier, user.id);
  await release()
    .catch(release)
    .catch(() => undefined);

  const rest = Object.fromEntries(Object.entries(identifiers).filter(([type]) => type !== identifier.type));
  const result = toUserView({ ...user, identifiers: rest } satisfies UserRecord, deps.session.settings.publicBaseUrl);
  await tellIdentifiersChanged(deps, user.id, result.identifiers);
  return { user: result };
}

/** The conditional removal; one whose reply was lost after it was applied is a success, read back (as sign-up's activation is). */
async function unlist(deps: IdentifierChangeDeps, userId: string, identifier: Identifier): Promise<boolean> {
  try {
    return await deps.identifiers.removeFromUser(userId, identifier);
  } catch (error) {
    const current = await deps.session.users.getUser(userId);
    if (current?.status === 'active' && identifiersOf(current)[identifier.type]?.key !== identifier.key) return true;
    throw error;
  }
}

/** Why the conditional removal did not apply: a concurrent change, read back. */
async function refusal(deps: IdentifierChangeDeps, userId: string, identifier: Identifier): Promise<HaloError> {
  const current = await deps.session.users.getUser(userId);
  if (current?.status !== 'active') return new HaloError('account_gone', { accessToken: 'the account no longer exists' });
  const identifiers = identifiersOf(current);
  return identifiers[identifier.type]?.key !== identifier.key ? notListed() : lastOne();
}
