import { randomUUID } from 'node:crypto';
import { deleteAccount } from '#lib/accounts/delete-account';
import { login } from '#lib/accounts/login';
import { register } from '#lib/accounts/register';
import type { HaloError } from '#lib/errors';
import { queryByUser } from '#lib/storage/by-user-index';
import { CONNECTING_GRACE_MS, fanOut } from '#lib/sockets/fan-out';
import { connectSocket, disconnectSocket } from '#lib/sockets/socket-sessions';
import { DEFAULT_LIMITS } from '#lib/throttling/limits';
import type { IndexLagProxy } from '#local/dynamodb-index-lag';
import { itemsOf, startFaultStack, type Actor, type FaultStack } from './fault-harness';

/**
 * The flows that read the byUser index, with the index lagging behind the table as DynamoDB's may
 * (local/dynamodb-index-lag.ts): new items missing from it, deleted ones still in it. Each test ends on the
 * exact state of the table, the bucket and the open sockets (the orphan scan).
 */

let stack: FaultStack;
let main: Actor;
let lag: IndexLagProxy;
beforeAll(async () => {
  stack = await startFaultStack({ indexLag: 'hold' });
  main = stack.main;
  if (!stack.table.indexLag) throw new Error('the stack has no index-lag proxy');
  lag = stack.table.indexLag;
});
afterAll(() => stack.close());
beforeEach(() => {
  lag.setLag('hold');
  lag.release();
});

const PASSWORD = 'a sound passphrase';

async function signUp(identifier: string) {
  const { user, tokens } = await register(main.account, { identifier, password: PASSWORD });
  lag.release(); // the account itself is old news to the index
  return { userId: user.id, accessToken: tokens.accessToken };
}

/** `$connect`, and API Gateway opening the socket when it answers 200. */
async function open(accessToken: string, actor: Actor = main): Promise<string> {
  const id = `c-${randomUUID()}=`;
  await connectSocket(actor.sockets, id, accessToken);
  stack.connections.live.add(id);
  return id;
}

const connectionsOf = async (userId: string) =>
  (await stack.table.scanAll()).filter((item) => item.sk === 'CONN' && item.userId === userId).map((item) => String(item.connectionId)).sort();

const fanOutTo = (userId: string, clock?: () => Date) => fanOut({ ...main.avatars, clock }, userId, { type: 'test.message' });
/** What the byUser index alone shows (listForUser adds the slots). */
const indexedSockets = async (userId: string) => (await queryByUser(main.clients.db, stack.table.tableName, userId, 'CONN#')).map((item) => item.gsi1sk.slice(5));
const received = (id: string) => stack.connections.received.get(id)?.length ?? 0;

describe('fan-out while the index lags', () => {
  it('reaches a socket opened a moment ago, which the index does not show yet, through its slot', async () => {
    const { userId, accessToken } = await signUp('lag-fanout-new');
    const settled = await open(accessToken);
    lag.release();
    const fresh = await open(accessToken); // its record is in the table, not yet in the index
    expect(await indexedSockets(userId)).toEqual([settled]);

    expect(await fanOutTo(userId)).toEqual({ sent: 2, gone: 0, failed: 0 });
    expect([received(settled), received(fresh)]).toEqual([1, 1]);
    expect(await connectionsOf(userId)).toEqual([fresh, settled].sort());
    lag.release();
    expect(await stack.orphans()).toEqual([]);
  });

  it('meets a socket that is gone but still in the index: GoneException, and no record comes back', async () => {
    const { userId, accessToken } = await signUp('lag-fanout-gone');
    const staying = await open(accessToken);
    const leaving = await open(accessToken);
    lag.release();
    stack.connections.live.delete(leaving);
    await disconnectSocket(main.sockets, leaving); // $disconnect: the record goes, the index still lists it

    expect(await fanOutTo(userId)).toEqual({ sent: 1, gone: 1, failed: 0 });
    expect(await connectionsOf(userId)).toEqual([staying]);
    lag.release();
    expect(await indexedSockets(userId)).toEqual([staying]);
    expect(await stack.orphans()).toEqual([]);
  });

  it('keeps the record of a socket still inside its $connect for the 30 s grace, and removes it once past it', async () => {
    const { userId, accessToken } = await signUp('lag-fanout-connecting');
    const id = `c-${randomUUID()}=`;
    await connectSocket(main.sockets, id, accessToken); // $connect has not answered: API Gateway says gone
    lag.release();

    expect(await fanOutTo(userId)).toEqual({ sent: 0, gone: 1, failed: 0 });
    expect(await connectionsOf(userId)).toEqual([id]);
    // The socket never opened (the client went away): past the grace, the next fan-out removes its record.
    const later = () => new Date(Date.now() + CONNECTING_GRACE_MS + 1000);
    expect(await fanOutTo(userId, later)).toEqual({ sent: 0, gone: 1, failed: 0 });
    expect(await connectionsOf(userId)).toEqual([]);
    expect(await stack.orphans()).toEqual([]);
  });
});

describe('the socket cap while the index lags', () => {
  const CAP = DEFAULT_LIMITS.sockets.perUser;

  it('refuses the 21st socket even when the index shows none of the first 20', async () => {
    const { userId, accessToken } = await signUp('lag-cap-sequential');
    const opened: string[] = [];
    for (let i = 0; i < CAP; i++) opened.push(await open(accessToken));
    expect(await indexedSockets(userId)).toEqual([]); // the index has caught up with none

    await expect(open(accessToken)).rejects.toMatchObject({ code: 'too_many_requests' });
    expect(await connectionsOf(userId)).toEqual(opened.sort());
    lag.release();
    expect(await stack.orphans()).toEqual([]);
  });

  it('lets exactly 20 of a burst of 25 in, and keeps the records of those 20 only', async () => {
    const { userId, accessToken } = await signUp('lag-cap-burst');
    const outcomes = await Promise.allSettled(Array.from({ length: CAP + 5 }, () => open(accessToken)));
    const accepted = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as HaloError] : []));

    expect(accepted).toHaveLength(CAP);
    expect(refused.map((error) => error.code)).toEqual(Array(5).fill('too_many_requests'));
    expect(await connectionsOf(userId)).toEqual(accepted.sort());
    lag.release();
    expect(await stack.orphans()).toEqual([]);
  });

  it('frees a slot as soon as a socket closes, whatever the index still shows', async () => {
    const { userId, accessToken } = await signUp('lag-cap-freed');
    const opened: string[] = [];
    for (let i = 0; i < CAP; i++) opened.push(await open(accessToken));
    lag.release();
    const closing = opened[0] ?? '';
    stack.connections.live.delete(closing);
    await disconnectSocket(main.sockets, closing); // still in the index

    const next = await open(accessToken);
    expect(await connectionsOf(userId)).toEqual([...opened.slice(1), next].sort());
    lag.release();
    expect(await stack.orphans()).toEqual([]);
  });
});

describe('account deletion while the index lags', () => {
  it('removes what was written just before it, which the index showed in neither round', async () => {
    const { userId, accessToken } = await signUp('lag-delete-late');
    lag.setLag({ ms: 250 });
    // Written just before the DELETE: a login (session and refresh token) and a socket.
    await login(main.account, { identifier: 'lag-delete-late', password: PASSWORD });
    const socket = await open(accessToken);

    await deleteAccount(main.deletion, userId);
    expect(await itemsOf(stack, userId)).toEqual({});
    expect(stack.connections.live.has(socket)).toBe(false);
    expect(stack.connections.received.get(socket)).toEqual([{ type: 'user.deleted' }]);
    lag.release();
    expect(await stack.orphans()).toEqual([]);
  });

  it.each([
    ['before it takes its slot', 'UpdateItem'],
    ['after its slot, before it re-reads the user', 'GetItem'],
  ])('refuses a handshake paused %s while a deletion runs, and leaves nothing behind', async (_when, pausedAt) => {
    const { userId, accessToken } = await signUp(`lag-delete-connecting-${pausedAt}`);
    const connecting = stack.actor();
    // The handshake stops at that call; the deletion runs meanwhile, the index never showing the record.
    let resume!: () => void;
    const paused = connecting.faults.holdWhen((call) => call.service === 'DynamoDB' && call.operation === pausedAt, new Promise<void>((done) => (resume = done)));
    const id = `c-${randomUUID()}=`;
    const handshake = connectSocket(connecting.sockets, id, accessToken).then(
      () => 'accepted',
      (error: HaloError) => error.code,
    );
    await paused;
    await deleteAccount(main.deletion, userId);
    resume();
    expect(await handshake).toBe('account_gone');
    expect(await itemsOf(stack, userId)).toEqual({});
    lag.release();
    expect(await stack.orphans()).toEqual([]);
  });
});
