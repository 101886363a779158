import { randomUUID } from 'node:crypto';
import { authenticateForDeletion } from '#lib/accounts/authenticate';
import { deleteAccount } from '#lib/accounts/delete-account';
import { login } from '#lib/accounts/login';
import { register } from '#lib/accounts/register';
import { uploadKey } from '#lib/avatars/avatar-objects';
import { storeAvatar } from '#lib/avatars/store-avatar';
import type { Actor, FaultStack } from './fault-harness';

/** The password of the accounts the deletion fault tests make. */
export const DELETION_PASSWORD = 'a sound passphrase';

/**
 * An account with everything deletion must remove: two sessions, an avatar, a pending upload (not processed yet), a
 * live and a dead socket. Written by `setup`, an actor with no faults.
 */
export async function fullAccount(stack: FaultStack, setup: Actor, image: Buffer, identifier: string) {
  const { user, tokens } = await register(setup.account, { identifier, password: DELETION_PASSWORD });
  await login(setup.account, { identifier, password: DELETION_PASSWORD });
  await storeAvatar(setup.avatars, user.id, image);
  await stack.settleBucket();
  await stack.putObject(uploadKey(user.id, randomUUID()), image);
  const live = `live-${randomUUID()}=`;
  stack.connections.live.add(live);
  for (const id of [live, `dead-${randomUUID()}=`]) {
    await setup.avatars.connections.put({ connectionId: id, userId: user.id, connectedAt: new Date().toISOString() });
  }
  return { userId: user.id, accessToken: tokens.accessToken, live };
}

/** What `DELETE /api/user` runs (functions/delete-user.ts). */
export async function deleteRequest(actor: Actor, accessToken: string): Promise<void> {
  const userId = await authenticateForDeletion(actor.account, accessToken);
  await deleteAccount(actor.deletion, userId);
}
