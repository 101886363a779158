import { deleteAccount, type DeletionDeps } from '#lib/accounts/delete-account';
import { finishStalledDeletions, MAX_SOCKET_LIFETIME_MS, STALLED_AFTER_MS } from '#lib/accounts/finish-deletions';
import { FUNCTION_DEFAULTS, FUNCTIONS } from '#infra/catalog';
import { aliceAndBob } from '#tests/support/deletion-world';

/** Alice and Bob with a socket each (tests/support/deletion-world.ts). */
async function world() {
  const fixture = await aliceAndBob({ aliceSockets: 1 });
  const { users, ownedItems, connections, sockets, objects, pendingDeletions, clock } = fixture;
  const deps: DeletionDeps = { users, ownedItems, connections, sockets, objects, pendingDeletions, clock, indexSettleMs: 0 };
  /** Everything of a user the fakes still hold, pending-deletion records included. */
  const leftOf = async (userId: string) => ({
    user: users.users.get(userId)?.status,
    items: (await ownedItems.listKeys(userId)).map((key) => key.pk.split('#')[0]).sort(),
    objects: [...objects.keys(`avatars/${userId}/`), ...objects.keys(`uploads/${userId}/`)],
    pending: [...pendingDeletions.records.values()].filter((record) => record.userId === userId).length,
  });
  return { ...fixture, deps, leftOf };
}

const NOTHING = { user: undefined, items: [], objects: [], pending: 0 };

/** The user's DELETE, stopped by an S3 outage after the mark: the user item, items and objects all left. */
async function stoppedByOutage(w: Awaited<ReturnType<typeof world>>, userId: string) {
  w.objects.failWith('deleteAllOf', new Error('S3 is down'));
  await expect(deleteAccount(w.deps, userId)).rejects.toThrow('S3 is down');
  w.objects.failWith('deleteAllOf', undefined);
}

describe('finishStalledDeletions', () => {
  it('finishes a deletion an outage stopped, once it is older than any DELETE can run, and touches nobody else', async () => {
    const w = await world();
    const bobBefore = await w.leftOf(w.bob);
    await stoppedByOutage(w, w.alice);
    expect(await w.leftOf(w.alice)).toMatchObject({ user: 'deleting', pending: 1 });
    expect(w.objects.keys(`avatars/${w.alice}/`)).toHaveLength(1);

    // Too young: its DELETE may still be running.
    expect(await finishStalledDeletions(w.deps)).toEqual({ finished: [], abandoned: [], stillOpen: [], failed: [] });
    expect(await w.leftOf(w.alice)).toMatchObject({ user: 'deleting', pending: 1 });

    w.clock.advance(STALLED_AFTER_MS / 1000 + 1);
    expect(await finishStalledDeletions(w.deps)).toMatchObject({ finished: [w.alice], failed: [] });
    expect(await w.leftOf(w.alice)).toEqual(NOTHING);
    expect(w.sockets.closed).toEqual(['a1']);
    expect(await w.leftOf(w.bob)).toEqual(bobBefore);
  });

  it('waits longer than delete-user can run', () => {
    const deleteUser = FUNCTIONS.find((fn) => fn.name === 'delete-user');
    expect((deleteUser?.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds) * 1000).toBeLessThan(STALLED_AFTER_MS);
  });

  it('retries a socket that cannot be closed on every run, and past API Gateway’s 2-hour limit counts it as gone', async () => {
    const w = await world();
    w.sockets.failCloses('a1');
    await expect(deleteAccount(w.deps, w.alice)).rejects.toMatchObject({ code: 'unavailable' });
    expect(await w.leftOf(w.alice)).toEqual({ user: 'deleting', items: ['CONN', 'USER'], objects: [], pending: 1 });

    w.clock.advance(STALLED_AFTER_MS / 1000 + 1);
    expect(await finishStalledDeletions(w.deps)).toMatchObject({ finished: [], stillOpen: [w.alice] });
    expect(await w.leftOf(w.alice)).toEqual({ user: 'deleting', items: ['CONN', 'USER'], objects: [], pending: 1 });

    w.clock.advance(MAX_SOCKET_LIFETIME_MS / 1000);
    expect(await finishStalledDeletions(w.deps)).toMatchObject({ finished: [w.alice], stillOpen: [] });
    expect(await w.leftOf(w.alice)).toEqual(NOTHING);
    expect(w.connections.records.has('a1')).toBe(false);
  });

  it('removes what is left by user id when the user item is already gone (its TTL ran first), then the record', async () => {
    const w = await world();
    await stoppedByOutage(w, w.alice);
    w.users.users.delete(w.alice); // DynamoDB's TTL removed the user item
    w.clock.advance(STALLED_AFTER_MS / 1000 + 1);

    expect(await finishStalledDeletions(w.deps)).toMatchObject({ finished: [w.alice] });
    expect(await w.leftOf(w.alice)).toEqual(NOTHING);
    expect(w.objects.keys(`uploads/${w.alice}/`)).toEqual([]);
    expect(w.connections.records.has('a1')).toBe(false);
  });

  it('drops the record of a deletion that stopped before its mark, leaving the account as it is', async () => {
    const w = await world();
    const aliceBefore = await w.leftOf(w.alice);
    w.users.markDeleting = async () => {
      throw new Error('DynamoDB is down');
    };
    await expect(deleteAccount(w.deps, w.alice)).rejects.toThrow('DynamoDB is down');
    expect(w.pendingDeletions.records.size).toBe(1);
    w.clock.advance(STALLED_AFTER_MS / 1000 + 1);

    expect(await finishStalledDeletions(w.deps)).toMatchObject({ abandoned: [w.alice], finished: [] });
    expect(await w.leftOf(w.alice)).toEqual({ ...aliceBefore, pending: 0 });
    expect(w.users.users.get(w.alice)?.status).toBe('active');
  });

  it('keeps going past a deletion that fails again, and keeps its record for the next run', async () => {
    const w = await world();
    await stoppedByOutage(w, w.alice);
    await stoppedByOutage(w, w.bob);
    w.clock.advance(STALLED_AFTER_MS / 1000 + 1);
    const outage = new Error('items unavailable');
    const deleteAllButUser = w.ownedItems.deleteAllButUser.bind(w.ownedItems);
    const deps: DeletionDeps = {
      ...w.deps,
      ownedItems: { ...w.ownedItems, deleteAllButUser: async (userId) => (userId === w.alice ? Promise.reject(outage) : deleteAllButUser(userId)) },
    };

    const report = await finishStalledDeletions(deps);
    expect(report.failed).toEqual([{ userId: w.alice, error: outage }]);
    expect(report.finished).toEqual([w.bob]);
    expect(await w.leftOf(w.bob)).toEqual(NOTHING);
    expect(await w.leftOf(w.alice)).toMatchObject({ user: 'deleting', pending: 1 });

    expect(await finishStalledDeletions(w.deps)).toMatchObject({ finished: [w.alice] });
    expect(await w.leftOf(w.alice)).toEqual(NOTHING);
  });

  it('ends with nothing left when it runs at the same time as the user’s own retry', async () => {
    const w = await world();
    await stoppedByOutage(w, w.alice);
    w.clock.advance(STALLED_AFTER_MS / 1000 + 1);

    const [finisher, retry] = await Promise.allSettled([finishStalledDeletions(w.deps), deleteAccount(w.deps, w.alice)]);
    expect(finisher).toMatchObject({ status: 'fulfilled', value: { failed: [] } });
    expect(retry.status).toBe('fulfilled');
    expect(await w.leftOf(w.alice)).toEqual(NOTHING);
  });

  it('takes at most `limit` deletions a run, oldest first', async () => {
    const w = await world();
    await stoppedByOutage(w, w.alice);
    w.clock.advance(1);
    await stoppedByOutage(w, w.bob);
    w.clock.advance(STALLED_AFTER_MS / 1000 + 1);

    expect(await finishStalledDeletions(w.deps, { limit: 1 })).toMatchObject({ finished: [w.alice] });
    expect(await w.leftOf(w.bob)).toMatchObject({ pending: 1 });
    expect(await finishStalledDeletions(w.deps, { limit: 1 })).toMatchObject({ finished: [w.bob] });
  });

  it('takes on no new deletion once its time is up, leaving the rest to the next run', async () => {
    const w = await world();
    await stoppedByOutage(w, w.alice);
    await stoppedByOutage(w, w.bob);
    w.clock.advance(STALLED_AFTER_MS / 1000 + 1);
    let started = 0;
    expect(await finishStalledDeletions(w.deps, { timeIsUp: () => started++ >= 1 })).toMatchObject({ finished: [w.alice] });
    expect(await w.leftOf(w.bob)).toMatchObject({ user: 'deleting', pending: 1 });
  });
});
