import { addIdentifier } from '#lib/accounts/add-identifier';
import { deleteAccount } from '#lib/accounts/delete-account';
import { getProfile } from '#lib/accounts/get-profile';
import { login } from '#lib/accounts/login';
import { register } from '#lib/accounts/register';
import { removeIdentifier } from '#lib/accounts/remove-identifier';
import { parseIdentifier } from '#lib/identifiers/parse-identifier';
import { accountFixture, identifierChangeFixture, PENDING_SIGN_UP_SECONDS } from '#tests/support/account-fixture';
import { createFakeSocketSender } from '#tests/support/fake-socket-sender';
import { haloErrorOf } from '#tests/support/halo-error';
import { createInMemoryPendingDeletions } from '#tests/support/in-memory-pending-deletions';
import { createInMemoryObjects } from '#tests/support/in-memory-objects';

const PASSWORD = 'plum-lantern-orbit-47';

async function world() {
  const fixture = await accountFixture();
  const changes = identifierChangeFixture(fixture);
  const signUp = async (identifier: string) => {
    const { user, tokens } = await register(fixture.deps, { identifier, password: PASSWORD });
    const { sessionId } = await fixture.deps.accessTokens.verify(tokens.accessToken, fixture.clock());
    return { id: user.id, token: tokens.accessToken, sessionId };
  };
  const add = (token: string, identifier: string) => addIdentifier(changes.deps, token, () => identifier);
  const remove = (token: string, identifier: string) => removeIdentifier(changes.deps, token, identifier);
  const logsIn = async (identifier: string) => (await login(fixture.deps, { identifier, password: PASSWORD })).user.id;
  return { ...fixture, ...changes, account: fixture.deps, signUp, add, remove, logsIn };
}

describe('several identifiers per account', () => {
  it('writes the sign-up identifier into the map and lists it', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    expect(w.users.users.get(alice.id)?.identifiers).toEqual({ nickname: { display: 'alice', key: 'alice', addedAt: w.clock().toISOString() } });
    const { user } = await getProfile(w.account, alice.token);
    expect(user).toMatchObject({ identifier: 'alice', identifierType: 'nickname', identifiers: [{ type: 'nickname', value: 'alice', addedAt: w.clock().toISOString() }] });
  });

  it('adds an email and a phone number, normalised as at sign-up, and logs in by each of the three', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    w.clock.advance(1);
    const first = await w.add(alice.token, ' Alice@EXAMPLE.com ');
    expect(first.created).toBe(true);
    w.clock.advance(1);
    const { user } = await w.add(alice.token, '+1 (415) 555-2671');
    expect(user.identifiers.map(({ type, value }) => [type, value])).toEqual([
      ['nickname', 'alice'],
      ['email', 'alice@example.com'],
      ['phone', '+14155552671'],
    ]);
    expect(user.identifier).toBe('alice');
    for (const spelling of ['ALICE', 'alice@example.COM', '+14155552671', '0014155552671']) expect(await w.logsIn(spelling)).toBe(alice.id);
    expect(w.users.claims.get('email#alice@example.com')).toEqual({ userId: alice.id }); // confirmed: no deadline left
  });

  it('answers a retried add of the same identifier with the account as it is (not created)', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    await w.add(alice.token, 'alice@example.com');
    const again = await w.add(alice.token, 'ALICE@example.com');
    expect(again.created).toBe(false);
    expect(again.user.identifiers).toHaveLength(2);
  });

  it('refuses a second identifier of one type, naming the field, and keeps the first', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    await w.add(alice.token, 'alice@example.com');
    const error = await haloErrorOf(w.add(alice.token, 'alice@example.org'));
    expect(error.code).toBe('conflict');
    expect(error.fields.identifier).toMatch(/already has an email \(alice@example\.com\); remove it first/);
    expect(w.users.claims.has('email#alice@example.org')).toBe(false);
  });

  it('refuses an identifier another account holds (409 identifier_taken, as at sign-up) and leaves the holder untouched', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    const bob = await w.signUp('bob@example.com');
    const error = await haloErrorOf(w.add(alice.token, 'BOB@example.com'));
    expect(error).toMatchObject({ code: 'identifier_taken', fields: { identifier: 'this email is already registered' } });
    expect(w.users.claims.get('email#bob@example.com')).toEqual({ userId: bob.id });
    expect(await w.logsIn('bob@example.com')).toBe(bob.id);
  });

  it('refuses look-alikes and malformed identifiers as sign-up does, before any write', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    const claimsBefore = w.users.claims.size;
    for (const bad of ['аlice2', '', 'not an email@', '+1 555', 'x'.repeat(400)]) {
      expect((await haloErrorOf(w.add(alice.token, bad))).code).toBe('invalid_request');
    }
    expect(w.users.claims.size).toBe(claimsBefore);
  });

  it('refuses a bad token before the body is read', async () => {
    const w = await world();
    let read = false;
    const error = await haloErrorOf(addIdentifier(w.deps, 'not-a-token', () => ((read = true), 'x@example.com')));
    expect(error.code).toBe('invalid_token');
    expect(read).toBe(false);
  });

  it('removes an identifier given in any spelling; it no longer logs in and is free for anyone at once', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    await w.add(alice.token, 'alice@example.com');
    const { user } = await w.remove(alice.token, 'Alice@Example.com');
    expect(user.identifiers.map(({ value }) => value)).toEqual(['alice']);
    expect(w.users.claims.has('email#alice@example.com')).toBe(false);
    expect((await haloErrorOf(w.logsIn('alice@example.com'))).code).toBe('invalid_credentials');

    const carol = await w.signUp('carol');
    expect((await w.add(carol.token, 'alice@example.com')).created).toBe(true);
    expect(await w.logsIn('alice@example.com')).toBe(carol.id);
  });

  it('answers 404 for an identifier the account does not have, 409 for its last one', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    await w.signUp('bob');
    expect(await haloErrorOf(w.remove(alice.token, 'bob'))).toMatchObject({ code: 'not_found', fields: { identifier: 'this account has no such identifier' } });
    expect((await haloErrorOf(w.remove(alice.token, 'ALICE'))).code).toBe('conflict');
    expect(await w.logsIn('alice')).toBe(alice.id);
    expect((await haloErrorOf(w.remove(alice.token, 'not an email@'))).code).toBe('invalid_request');
  });

  it('changes the view\'s `identifier` to the first remaining one once the sign-up identifier is removed', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    w.clock.advance(1);
    await w.add(alice.token, 'alice@example.com');
    const { user } = await w.remove(alice.token, 'alice');
    expect(user).toMatchObject({ identifier: 'alice@example.com', identifierType: 'email' });
    expect((await getProfile(w.account, alice.token)).user).toMatchObject({ identifier: 'alice@example.com', identifierType: 'email' });
  });

  it('tells every open socket of the user `identifiers.changed` after an add and after a removal', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    await w.connections.put({ connectionId: 'c1', userId: alice.id, connectedAt: w.clock().toISOString(), sessionId: alice.sessionId });
    await w.add(alice.token, 'alice@example.com');
    await w.remove(alice.token, 'alice@example.com');
    expect(w.sockets.messagesTo('c1')).toEqual([
      { type: 'identifiers.changed', data: { identifiers: [{ type: 'nickname', value: 'alice' }, { type: 'email', value: 'alice@example.com' }] } },
      { type: 'identifiers.changed', data: { identifiers: [{ type: 'nickname', value: 'alice' }] } },
    ]);
  });

  it('makes the change even when telling the sockets fails', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    await w.connections.put({ connectionId: 'c1', userId: alice.id, connectedAt: w.clock().toISOString(), sessionId: alice.sessionId });
    w.sockets.failSends('c1');
    expect((await w.add(alice.token, 'alice@example.com')).created).toBe(true);
  });

  it('reads an account written before the map (its sign-up identifier only) and adds to it', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    const record = w.users.users.get(alice.id);
    if (!record) throw new Error('no user');
    w.users.users.set(alice.id, { ...record, identifiers: undefined });
    expect((await getProfile(w.account, alice.token)).user.identifiers).toEqual([{ type: 'nickname', value: 'alice', addedAt: record.registeredAt }]);
    expect(await w.logsIn('alice')).toBe(alice.id);
    await w.add(alice.token, 'alice@example.com');
    expect(Object.keys(w.users.users.get(alice.id)?.identifiers ?? {}).sort()).toEqual(['email', 'nickname']);
  });
});

describe('claims that count for nothing', () => {
  it('lets no one log in by a claim its user does not list, after the same work as an unknown identifier', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    // What a removal that stopped after unlisting leaves: a claim pointing at an active user that does not list it.
    w.users.claims.set('email#alice@example.com', { userId: alice.id });
    w.passwords.calls.verify = 0;
    expect((await haloErrorOf(w.logsIn('alice@example.com'))).code).toBe('invalid_credentials');
    expect(w.passwords.calls).toMatchObject({ verify: 0, verifyAgainstNothing: 1 });
  });

  it('takes over at once a claim left by a removal that stopped, by sign-up and by an add', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    w.users.claims.set('email#left@example.com', { userId: alice.id });
    w.users.claims.set('phone#+14155552671', { userId: alice.id });
    const bob = await w.signUp('left@example.com');
    expect(await w.logsIn('left@example.com')).toBe(bob.id);
    await w.add(bob.token, '+14155552671');
    expect(await w.logsIn('+14155552671')).toBe(bob.id);
  });

  it('honours an unconfirmed add\'s claim until its deadline, then lets sign-up take it over', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    const identifier = await parseIdentifier('dead@example.com');
    // An add that died after its claim: never listed, deadline ahead.
    await w.users.claimIdentifier(identifier, alice.id, new Date(w.clock().getTime() + PENDING_SIGN_UP_SECONDS * 1000));
    expect((await haloErrorOf(register(w.account, { identifier: 'dead@example.com', password: PASSWORD }))).code).toBe('identifier_taken');
    w.clock.advance(PENDING_SIGN_UP_SECONDS + 1);
    const bob = await w.signUp('dead@example.com');
    expect(await w.logsIn('dead@example.com')).toBe(bob.id);
  });

  it('lets the same account retry an add whose claim it left behind', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    await w.users.claimIdentifier(await parseIdentifier('mine@example.com'), alice.id, new Date(w.clock().getTime() + 60_000));
    expect((await w.add(alice.token, 'mine@example.com')).created).toBe(true);
    expect(await w.logsIn('mine@example.com')).toBe(alice.id);
  });

  it('never takes over the claim of an account being deleted (its deletion removes it)', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    await w.add(alice.token, 'alice@example.com');
    await w.users.markDeleting(alice.id, w.clock());
    expect((await haloErrorOf(register(w.account, { identifier: 'alice@example.com', password: PASSWORD }))).code).toBe('identifier_taken');
  });
});

describe('account deletion', () => {
  it('releases every claim the user item lists, even those the byUser index does not show yet', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    await w.add(alice.token, 'alice@example.com');
    await w.add(alice.token, '+14155552671');
    // An index that shows nothing yet: only the user item's map can name the claims.
    const laggingIndex = { deleteAllButUser: async () => 0 };
    await deleteAccount(
      { users: w.users, ownedItems: laggingIndex, pendingDeletions: createInMemoryPendingDeletions(), connections: w.connections, sockets: createFakeSocketSender(), objects: createInMemoryObjects(), clock: w.clock, indexSettleMs: 0 },
      alice.id,
    );
    expect([...w.users.claims.values()].filter((claim) => claim.userId === alice.id)).toEqual([]);
    for (const identifier of ['alice', 'alice@example.com', '+14155552671']) await w.signUp(identifier);
  });
});

describe('an add that comes late', () => {
  it('gives up, undoing its claim, when its claim\'s deadline passed before the entry was written', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    const claimIdentifier = w.users.claimIdentifier.bind(w.users);
    // The add stalls right after its claim, past the claim's deadline.
    w.users.claimIdentifier = async (...args) => {
      const claimed = await claimIdentifier(...args);
      w.clock.advance(PENDING_SIGN_UP_SECONDS + 1);
      return claimed;
    };
    const error = await w.add(alice.token, 'late@example.com').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBeUndefined(); // an outage-like failure, not a verdict about the client
    expect(w.users.claims.has('email#late@example.com')).toBe(false);
    expect(w.users.users.get(alice.id)?.identifiers?.email).toBeUndefined();
  });

  it('takes its entry back and answers identifier_taken when its claim was taken over before it confirmed', async () => {
    const w = await world();
    const alice = await w.signUp('alice');
    const bob = await w.signUp('bob');
    const addToUser = w.identifiers.addToUser.bind(w.identifiers);
    w.identifiers.addToUser = async (...args) => {
      const added = await addToUser(...args);
      w.users.claims.set('email#late@example.com', { userId: bob.id }); // what a takeover after the deadline leaves
      return added;
    };
    expect((await haloErrorOf(w.add(alice.token, 'late@example.com'))).code).toBe('identifier_taken');
    expect(w.users.users.get(alice.id)?.identifiers?.email).toBeUndefined();
    expect(w.users.claims.get('email#late@example.com')).toEqual({ userId: bob.id });
  });
});
