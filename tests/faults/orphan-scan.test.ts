import { findOrphans } from '../support/orphan-scan';

/** The orphan scan names what is left behind, and only that: otherwise every fault test could pass vacuously. */

const NOW = new Date('2030-01-01T00:00:00.000Z');
const LATER = '2030-01-01T00:05:00.000Z';
const EARLIER = '2029-12-31T23:55:00.000Z';

const user = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  pk: `USER#${id}`, sk: 'USER', id, status, identifierType: 'nickname', identifierKey: id, ...extra,
});
const claim = (key: string, userId: string) => ({ pk: `IDENT#nickname#${key}`, sk: 'IDENT', userId });
const session = (id: string, userId: string) => ({ pk: `RTF#${id}`, sk: 'RTF', id, userId });
const token = (hash: string, sessionId: string, userId: string) => ({ pk: `RT#${hash}`, sk: 'RT', sessionId, userId });
const connection = (id: string, userId: string) => ({ pk: `CONN#${id}`, sk: 'CONN', connectionId: id, userId });

describe('the orphan scan', () => {
  it('finds nothing in the state one complete account leaves, nor in a sign-up still inside its window', () => {
    const items = [
      user('ada', 'active', { avatarVersion: 'v2', sockets: { c1: EARLIER } }), claim('ada', 'ada'), session('s1', 'ada'), token('t1', 's1', 'ada'), connection('c1', 'ada'),
      user('bob', 'pending', { pendingUntil: LATER }), claim('bob', 'bob'), session('s2', 'bob'), token('t2', 's2', 'bob'),
      { pk: 'ABUSE#login#x', sk: 'COUNT' },
    ];
    expect(findOrphans({ items, objectKeys: ['avatars/ada/v2.webp'], now: NOW, liveConnectionIds: new Set(['c1']) })).toEqual([]);
  });

  it('names every kind of leftover and every broken reference', () => {
    const items = [
      user('ada', 'active', { avatarVersion: 'v3', sockets: { c2: EARLIER, c9: EARLIER } }), // claim missing; avatar object missing; c9 has no record
      user('old', 'pending', { pendingUntil: EARLIER }),
      user('half', 'deleting'),
      claim('ghost', 'nobody'),
      session('s1', 'nobody'), token('t1', 's1', 'nobody'),
      session('s2', 'ada'), // no token
      token('t3', 'gone-session', 'ada'),
      connection('c1', 'nobody'), connection('c2', 'ada'),
    ];
    const found = findOrphans({ items, objectKeys: ['avatars/ada/v1.webp', 'uploads/ada/u1', 'elsewhere.txt'], now: NOW, liveConnectionIds: new Set() });
    expect(found).toEqual(
      expect.arrayContaining([
        'USER#ada: active user whose identifier claim is missing or elsewhere',
        'USER#old: pending user past its sign-up window',
        'USER#half: user left half-deleted',
        'IDENT#nickname#ghost: identifier claim without a user',
        'RTF#s1: session of a user that is not active',
        'RT#t1: refresh token of a user that is not active',
        'RTF#s2: session without any refresh token',
        'RT#t3: refresh token whose session is gone',
        'CONN#c1: connection record of a user that is not active',
        'CONN#c2: connection record of a closed socket',
        "avatars/ada/v1.webp: avatar object that is not its user's current version",
        'uploads/ada/u1: raw upload left behind',
        'elsewhere.txt: object Halo never writes',
        'USER#ada: avatar version v3 has no object',
        'USER#ada: socket slot c9 without its connection record',
      ]),
    );
    expect(found).toHaveLength(15);
  });

  it('checks every identifier a user lists, and names a claim its active user does not list (unless an add is in progress)', () => {
    const email = (key: string, userId: string, extra: Record<string, unknown> = {}) => ({ pk: `IDENT#email#${key}`, sk: 'IDENT', userId, ...extra });
    const listing = (id: string, emailKey: string) => ({
      identifiers: { nickname: { display: id, key: id, addedAt: EARLIER }, email: { display: emailKey, key: emailKey, addedAt: EARLIER } },
    });
    const complete = [user('ada', 'active', listing('ada', 'ada@x.org')), claim('ada', 'ada'), email('ada@x.org', 'ada')];
    expect(findOrphans({ items: complete, objectKeys: [], now: NOW })).toEqual([]);
    const items = [
      user('ada', 'active', listing('ada', 'ada@x.org')), claim('ada', 'ada'), email('ada@x.org', 'bob'), // listed, claimed by another
      user('bob', 'active'), claim('bob', 'bob'),
      email('left@x.org', 'bob'), // not listed: a removal or an add left it
      email('adding@x.org', 'bob', { pendingUntil: LATER }), // an add in progress
    ];
    expect(findOrphans({ items, objectKeys: [], now: NOW })).toEqual([
      'USER#ada: active user whose identifier claim is missing or elsewhere (email)',
      'IDENT#email#ada@x.org: identifier claim its user does not list',
      'IDENT#email#left@x.org: identifier claim its user does not list',
    ]);
  });

  it('keeps an unused upload grant (TTL removes it) and one whose claimed upload waits for its retry; names the rest', () => {
    const grant = (uploadId: string, userId: string, extra: Record<string, unknown> = {}) => ({ pk: `UPLOAD#${uploadId}`, sk: 'UPLOAD', uploadId, userId, ...extra });
    const items = [
      user('ada', 'active'), claim('ada', 'ada'), user('gone', 'deleting'),
      grant('unused', 'ada'), grant('waiting', 'ada', { claimedBy: 'w1' }), grant('done', 'ada', { claimedBy: 'w2' }), grant('ownerless', 'gone'),
    ];
    const found = findOrphans({ items, objectKeys: ['uploads/ada/waiting'], now: NOW });
    expect(found).toEqual([
      'USER#gone: user left half-deleted',
      'UPLOAD#done: upload grant claimed by an upload that is gone',
      'UPLOAD#ownerless: upload grant of a user that is not active',
      'uploads/ada/waiting: raw upload left behind',
    ]);
  });
});
