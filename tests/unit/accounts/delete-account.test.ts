import { DELETION_RETRY_AFTER_SECONDS, deleteAccount, type DeletionDeps } from '#lib/accounts/delete-account';
import type { SocketSender } from '#lib/sockets/socket-sender';
import { createFakeSocketSender, type FakeSocketSender } from '#tests/support/fake-socket-sender';
import { haloErrorOf } from '#tests/support/halo-error';
import { journaled } from '#tests/support/journal';
import { aliceAndBob } from '#tests/support/deletion-world';

/** Alice (two sockets) and Bob (one), every deletion call journaled. */
async function twoUsers() {
  const world = await aliceAndBob();
  const { users, ownedItems, connections, sockets, objects, pendingDeletions, clock } = world;
  const journal: string[] = [];
  const deps: DeletionDeps = {
    users: journaled('users', users, journal),
    ownedItems: journaled('ownedItems', ownedItems, journal),
    connections: journaled('connections', connections, journal),
    sockets: journaled('sockets', sockets, journal),
    objects: journaled('objects', objects, journal),
    pendingDeletions: journaled('pendingDeletions', pendingDeletions, journal),
    clock,
    indexSettleMs: 0, // the in-memory index catches up when a test says so, not with time
  };
  return { ...world, deps, journal };
}

type World = Awaited<ReturnType<typeof twoUsers>>;

/** Everything of a user the fakes still hold. */
async function leftOf(world: World, userId: string) {
  return {
    user: world.users.users.get(userId)?.status,
    items: (await world.ownedItems.listKeys(userId)).map((key) => key.pk.split('#')[0]).sort(),
    connections: [...world.connections.records.values()].filter((record) => record.userId === userId).map((record) => record.connectionId),
    objects: [...world.objects.keys(`avatars/${userId}/`), ...world.objects.keys(`uploads/${userId}/`)],
  };
}

const NOTHING = { user: undefined, items: [], connections: [], objects: [] };

describe('deleteAccount', () => {
  it('removes the user’s record, claims, sessions, tokens, connections and objects, and nothing of anyone else', async () => {
    const world = await twoUsers();
    const bobBefore = await leftOf(world, world.bob);

    await deleteAccount(world.deps, world.alice);

    expect(await leftOf(world, world.alice)).toEqual(NOTHING);
    expect([...world.users.claims.keys()]).toEqual(['email#bob@example.com']);
    expect(await leftOf(world, world.bob)).toEqual(bobBefore);
    expect(bobBefore).toEqual({ user: 'active', items: ['CONN', 'IDENT', 'RT', 'RTF', 'USER'], connections: ['b1'], objects: [`avatars/${world.bob}/v1.webp`] });
  });

  it('records the pending deletion, marks the user, releases the claims its item lists, cleans up twice, deletes the user item, then the record', async () => {
    const world = await twoUsers();
    await deleteAccount(world.deps, world.alice);

    const steps = world.journal.filter((entry) => !/ a\d$/.test(entry)); // per-socket calls are checked below
    const id = world.alice;
    const round = [`connections.listForUser ${id}`, `objects.deleteAllOf ${id}`, `ownedItems.deleteAllButUser ${id}`];
    // The first round finds both sockets and removes their records in one batch; the second finds none.
    const [listing, ...rest] = round;
    expect(steps).toEqual([
      `users.getUser ${id}`,
      'pendingDeletions.record',
      `users.markDeleting ${id}`,
      `users.getUser ${id}`,
      `users.releaseClaim ${id}`,
      listing,
      `connections.deleteMany ${id}`,
      ...rest,
      ...round,
      `users.deleteUser ${id}`,
      'pendingDeletions.remove',
    ]);
    expect([...world.pendingDeletions.records.values()]).toEqual([]);

    // The first round's socket calls all fall between its listing and the batch that removes their records.
    const socketCalls = world.journal.slice(6, world.journal.indexOf(`connections.deleteMany ${world.alice}`));
    expect(socketCalls).toHaveLength(4);
    for (const socket of ['a1', 'a2']) {
      expect(socketCalls.filter((entry) => entry.endsWith(` ${socket}`))).toEqual([`sockets.send ${socket}`, `sockets.close ${socket}`]);
    }
  });

  it('tells each socket user.deleted before closing it', async () => {
    const world = await twoUsers();
    await deleteAccount(world.deps, world.alice);

    expect(world.sockets.messagesTo('a1')).toEqual([{ type: 'user.deleted' }]);
    expect(world.sockets.messagesTo('a2')).toEqual([{ type: 'user.deleted' }]);
    expect(world.sockets.events.filter((event) => event.endsWith(' a1'))).toEqual(['send a1', 'sent a1', 'close a1']);
    expect([...world.sockets.closed].sort()).toEqual(['a1', 'a2']);
    expect(world.sockets.messagesTo('b1')).toEqual([]);
  });

  it.each([
    ['fails', (world: World) => world.sockets.failSends('a1')],
    ['is gone', (world: World) => world.sockets.markGone('a1')],
  ])('still closes and forgets a socket whose message %s', async (_what, arrange) => {
    const world = await twoUsers();
    arrange(world);

    await deleteAccount(world.deps, world.alice);
    expect(world.sockets.closed).toContain('a1');
    expect(world.connections.records.has('a1')).toBe(false);
    expect(await leftOf(world, world.alice)).toEqual(NOTHING);
  });

  it('closes in its second round a socket the byUser index showed only late', async () => {
    const world = await twoUsers();
    await world.connections.put({ connectionId: 'a3', userId: world.alice, connectedAt: world.clock().toISOString() });
    world.connections.lagging('a3');
    const { deleteAllButUser } = world.deps.ownedItems;
    let rounds = 0;
    const deps: DeletionDeps = {
      ...world.deps,
      ownedItems: {
        ...world.deps.ownedItems,
        async deleteAllButUser(userId) {
          const deleted = await deleteAllButUser(userId);
          if (++rounds === 1) world.connections.caughtUp('a3'); // the index catches up after the first round
          return deleted;
        },
      },
    };

    await deleteAccount(deps, world.alice);
    expect(world.sockets.messagesTo('a3')).toEqual([{ type: 'user.deleted' }]);
    expect(world.sockets.closed).toContain('a3');
    expect(await leftOf(world, world.alice)).toEqual(NOTHING);
  });

  it('does nothing for a user that is already gone', async () => {
    const world = await twoUsers();
    await deleteAccount(world.deps, world.alice);
    world.journal.length = 0;

    await deleteAccount(world.deps, world.alice);
    expect(world.journal).toEqual([`users.getUser ${world.alice}`]);

    await deleteAccount(world.deps, 'never-existed');
    expect(world.journal).toEqual([`users.getUser ${world.alice}`, 'users.getUser never-existed']);
    expect(world.pendingDeletions.records.size).toBe(0);
    expect(await leftOf(world, world.bob)).toMatchObject({ user: 'active', connections: ['b1'] });
  });

  it.each([
    ['the object store fails', (world: World, error: Error | undefined) => world.objects.failWith('deleteAllOf', error)],
    ['the item deletion fails', (world: World, error: Error | undefined) => world.ownedItems.failWith(error)],
  ])('stops when %s, leaving the user marked, and a second call finishes the job', async (_what, breakIt) => {
    const world = await twoUsers();
    const outage = new Error('service unavailable');
    breakIt(world, outage);

    await expect(deleteAccount(world.deps, world.alice)).rejects.toBe(outage);
    expect(world.users.users.get(world.alice)?.status).toBe('deleting');
    expect(world.journal).not.toContain(`users.deleteUser ${world.alice}`);
    // The record that lets the finisher find it stays, keyed by the mark's time.
    const markedAt = world.users.users.get(world.alice)?.deletingSince;
    expect([...world.pendingDeletions.records.values()]).toEqual([{ userId: world.alice, markedAt }]);

    breakIt(world, undefined);
    await deleteAccount(world.deps, world.alice);
    expect(await leftOf(world, world.alice)).toEqual(NOTHING);
    expect(world.pendingDeletions.records.size).toBe(0);
  });

  it('closes in its second round a socket whose close failed once, and finishes', async () => {
    const world = await twoUsers();
    let failures = 0;
    const flaky: SocketSender = {
      send: (id, message) => world.sockets.send(id, message),
      close: async (id) => {
        if (id === 'a1' && failures++ === 0) throw new Error('socket a1 could not be closed');
        await world.sockets.close(id);
      },
    };

    await deleteAccount({ ...world.deps, sockets: flaky }, world.alice);
    expect(world.sockets.closed.sort()).toEqual(['a1', 'a2']);
    expect(await leftOf(world, world.alice)).toEqual(NOTHING);
  });

  it('finishes all it can when a socket cannot be closed, keeps what a retry needs, and says so; the retry finishes the job', async () => {
    const world = await twoUsers();
    world.sockets.failCloses('a1');

    const error = await haloErrorOf(() => deleteAccount(world.deps, world.alice));
    expect(error.code).toBe('unavailable');
    expect(error.retryAfterSeconds).toBe(DELETION_RETRY_AFTER_SECONDS);
    expect(error.fields.deletion).toMatch(/1 open socket\(s\) could not be closed.*DELETE \/api\/user again/);
    expect(error.cause).toBeInstanceOf(AggregateError);
    // The user item (so the same token can retry) and the unclosed socket's record stay; nothing else does.
    expect(await leftOf(world, world.alice)).toEqual({ user: 'deleting', items: ['CONN', 'USER'], connections: ['a1'], objects: [] });
    expect(world.sockets.closed).toEqual(['a2']);
    expect(world.journal).not.toContain(`users.deleteUser ${world.alice}`);

    const healed = createFakeSocketSender();
    await deleteAccount({ ...world.deps, sockets: healed }, world.alice);
    expect(healed.closed).toEqual(['a1']);
    expect(await leftOf(world, world.alice)).toEqual(NOTHING);
  });

  it('stops waiting for sockets that hang once its signal ends, and answers instead of running out of time', async () => {
    const world = await twoUsers();
    const hanging = hangingCloses(world.sockets, 'a1');
    const socketsSignal = AbortSignal.timeout(50);

    const error = await haloErrorOf(() => deleteAccount({ ...world.deps, sockets: hanging }, world.alice, { socketsSignal }));
    expect(error.code).toBe('unavailable');
    expect(socketsSignal.aborted).toBe(true);
    expect(await leftOf(world, world.alice)).toEqual({ user: 'deleting', items: ['CONN', 'USER'], connections: ['a1'], objects: [] });
    expect(world.sockets.closed).toEqual(['a2']);

    await deleteAccount(world.deps, world.alice);
    expect(world.sockets.closed.sort()).toEqual(['a1', 'a2']);
    expect(await leftOf(world, world.alice)).toEqual(NOTHING);
  });

  it('passes its signal to every socket call', async () => {
    const world = await twoUsers();
    const signals: (AbortSignal | undefined)[] = [];
    const spying: SocketSender = {
      send: (id, message, options) => (signals.push(options?.signal), world.sockets.send(id, message)),
      close: (id, options) => (signals.push(options?.signal), world.sockets.close(id)),
    };
    const socketsSignal = new AbortController().signal;

    await deleteAccount({ ...world.deps, sockets: spying }, world.alice, { socketsSignal });
    expect(signals).toHaveLength(4);
    expect(signals.every((signal) => signal === socketsSignal)).toBe(true);
  });
});

/** Closing one of `hung` never ends by itself, as with a stuck `@connections` endpoint: only the caller's signal ends it. */
function hangingCloses(sender: FakeSocketSender, ...hung: string[]): SocketSender {
  return {
    send: (id, message) => sender.send(id, message),
    close: (id, options) =>
      hung.includes(id)
        ? new Promise<void>((_, fail) => {
            const signal = options?.signal;
            if (signal?.aborted) fail(signal.reason as Error);
            signal?.addEventListener('abort', () => fail(signal.reason as Error), { once: true });
          })
        : sender.close(id),
  };
}
