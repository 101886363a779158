import { announceAvatar } from '#lib/avatars/announce-avatar';
import { avatarKey } from '#lib/avatars/avatar-objects';
import { newAvatarVersion } from '#lib/avatars/avatar-version';
import { ALICE, avatarFixture, BOB, putUser, type AvatarFixture } from '#tests/support/avatar-fixture';

const VERSION = newAvatarVersion(new Date('2025-03-01T12:00:00.000Z'));
const OLDER = newAvatarVersion(new Date('2025-02-01T12:00:00.000Z'));
const NEWER = newAvatarVersion(new Date('2025-04-01T12:00:00.000Z'));
const CHANGED_AT = '2025-03-01T12:00:00.000Z';

/** The state the uploader leaves: ALICE's object under `version`, and (if `current`) her avatar pointing at it. */
async function uploaded(fixture: AvatarFixture, options: { current?: boolean } = {}) {
  fixture.objects.objects.set(avatarKey(ALICE, VERSION), new Uint8Array([1, 2, 3]));
  if (options.current ?? true) await fixture.avatars.setAvatar(ALICE, VERSION, new Date(CHANGED_AT));
  await fixture.connect(ALICE, 'alice-phone');
  await fixture.connect(ALICE, 'alice-laptop');
  await fixture.connect(BOB, 'bob-phone');
}

const checks = (journal: string[]) => journal.filter((entry) => entry.startsWith('avatars.currentAvatar')).length;

describe('announceAvatar', () => {
  it('tells every socket of the user about the current avatar', async () => {
    const fixture = avatarFixture();
    await uploaded(fixture);

    const announcement = await announceAvatar(fixture.deps, ALICE, VERSION);

    expect(announcement).toEqual({ outcome: 'announced', delivery: { sent: 2, gone: 0, failed: 0 } });
    const message = {
      type: 'avatar.changed',
      data: { userId: ALICE, avatarUrl: `https://halo.test/avatars/${ALICE}/${VERSION}`, changedAt: CHANGED_AT },
    };
    expect(fixture.sockets.messagesTo('alice-phone')).toEqual([message]);
    expect(fixture.sockets.messagesTo('alice-laptop')).toEqual([message]);
    expect(fixture.sockets.messagesTo('bob-phone')).toEqual([]);
    expect(fixture.objects.objects.has(avatarKey(ALICE, VERSION))).toBe(true);
  });

  it("first removes the user's older avatar objects that an upload's own clean-up missed, and nothing else", async () => {
    const fixture = avatarFixture();
    await uploaded(fixture);
    for (const key of [avatarKey(ALICE, OLDER), avatarKey(ALICE, NEWER), avatarKey(BOB, OLDER)]) fixture.objects.objects.set(key, new Uint8Array([1]));

    await announceAvatar(fixture.deps, ALICE, VERSION);

    // NEWER may be an upload still in flight: only versions below the current one can never be shown again.
    expect(fixture.objects.keys()).toEqual([avatarKey(ALICE, VERSION), avatarKey(ALICE, NEWER), avatarKey(BOB, OLDER)].sort());
    const swept = fixture.journal.findIndex((entry) => entry.startsWith('objects.deleteVersionsBefore'));
    const told = fixture.journal.findIndex((entry) => entry.startsWith('sockets.send'));
    expect(swept).toBeGreaterThanOrEqual(0);
    expect(swept).toBeLessThan(told);
  });

  it('tells nobody when that sweep fails, so the retried event tells every socket once', async () => {
    const fixture = avatarFixture();
    await uploaded(fixture);
    fixture.objects.failWith('deleteVersionsBefore', new Error('S3 is unavailable'));

    await expect(announceAvatar(fixture.deps, ALICE, VERSION)).rejects.toThrow('S3 is unavailable');
    expect(fixture.sockets.messagesTo('alice-phone')).toEqual([]);
    fixture.objects.failWith('deleteVersionsBefore', undefined);
    await announceAvatar(fixture.deps, ALICE, VERSION);
    expect(fixture.sockets.messagesTo('alice-phone')).toHaveLength(1);
  });

  it('counts a socket that is gone, and forgets it', async () => {
    const fixture = avatarFixture();
    await uploaded(fixture);
    fixture.clock.advance(60); // the laptop connected a minute ago, then went without its $disconnect being heard
    fixture.sockets.markGone('alice-laptop');

    const announcement = await announceAvatar(fixture.deps, ALICE, VERSION);

    expect(announcement).toEqual({ outcome: 'announced', delivery: { sent: 1, gone: 1, failed: 0 } });
    expect([...fixture.connections.records.keys()].sort()).toEqual(['alice-phone', 'bob-phone']);
  });

  it('keeps the record of a socket reported gone while it may still be opening', async () => {
    const fixture = avatarFixture();
    await uploaded(fixture);
    fixture.sockets.markGone('alice-laptop'); // its $connect wrote the record a moment ago and has not answered yet

    const announcement = await announceAvatar(fixture.deps, ALICE, VERSION);

    expect(announcement).toEqual({ outcome: 'announced', delivery: { sent: 1, gone: 1, failed: 0 } });
    expect([...fixture.connections.records.keys()].sort()).toEqual(['alice-laptop', 'alice-phone', 'bob-phone']);
  });

  it('waits for the version write that lands after its first look', async () => {
    const fixture = avatarFixture();
    await uploaded(fixture, { current: false });
    const { currentAvatar } = fixture.deps.avatars;
    let looks = 0;
    const deps = {
      ...fixture.deps,
      avatars: {
        ...fixture.deps.avatars,
        async currentAvatar(userId: string) {
          const seen = await currentAvatar(userId);
          // The uploader's write lands just after the announcer's second look.
          if (++looks === 2) await fixture.avatars.setAvatar(ALICE, VERSION, new Date(CHANGED_AT));
          return seen;
        },
      },
    };

    const announcement = await announceAvatar(deps, ALICE, VERSION);

    expect(announcement).toEqual({ outcome: 'announced', delivery: { sent: 2, gone: 0, failed: 0 } });
    expect(looks).toBe(3);
    expect(fixture.sockets.messagesTo('alice-phone')).toEqual([expect.objectContaining({ type: 'avatar.changed' })]);
    expect(fixture.objects.objects.has(avatarKey(ALICE, VERSION))).toBe(true);
  });

  it('stays quiet and removes the object when a newer avatar is already current (it can never become current)', async () => {
    const fixture = avatarFixture();
    await uploaded(fixture, { current: false });
    await fixture.avatars.setAvatar(ALICE, NEWER, new Date('2025-04-01T12:00:00.000Z'));

    expect(await announceAvatar(fixture.deps, ALICE, VERSION)).toEqual({ outcome: 'superseded' });
    expect(fixture.sockets.sent).toEqual([]);
    expect(fixture.objects.calls).toEqual([`delete avatars/${ALICE}/${VERSION}.webp`]);
    expect(checks(fixture.journal)).toBe(1);
  });

  it.each([
    ['is being deleted', (f: AvatarFixture) => putUser(f.users, ALICE, 'deleting', VERSION)],
    ['is gone', (f: AvatarFixture) => f.users.users.delete(ALICE)],
    ['is still pending', (f: AvatarFixture) => putUser(f.users, ALICE, 'pending')],
  ])('removes the object, telling nobody, when the user %s', async (_what, arrange) => {
    const fixture = avatarFixture();
    await uploaded(fixture);
    arrange(fixture);

    expect(await announceAvatar(fixture.deps, ALICE, VERSION)).toEqual({ outcome: 'orphan-removed' });
    expect(fixture.objects.objects.has(avatarKey(ALICE, VERSION))).toBe(false);
    expect(fixture.sockets.sent).toEqual([]);
    expect(checks(fixture.journal)).toBe(1); // no waiting for a user that cannot get an avatar
  });

  it.each([
    ['no avatar at all', undefined],
    ['an older avatar', OLDER],
  ])('removes the object after its last look when the version never appears (user has %s)', async (_what, current) => {
    const fixture = avatarFixture();
    await uploaded(fixture, { current: false });
    if (current) await fixture.avatars.setAvatar(ALICE, current, new Date('2025-02-01T12:00:00.000Z'));

    expect(await announceAvatar(fixture.deps, ALICE, VERSION)).toEqual({ outcome: 'orphan-removed' });
    expect(checks(fixture.journal)).toBe(4); // once at once, then once after each of the three settle delays
    expect(fixture.objects.calls).toEqual([`delete ${avatarKey(ALICE, VERSION)}`]);
    expect(fixture.objects.objects.has(avatarKey(ALICE, VERSION))).toBe(false);
    expect(fixture.sockets.sent).toEqual([]);
    expect(fixture.users.users.get(ALICE)?.avatarVersion).toBe(current);
  });

  it('lets an outage propagate, keeping the object for the retried event', async () => {
    const fixture = avatarFixture();
    await uploaded(fixture);
    const outage = new Error('DynamoDB is unavailable');
    fixture.avatars.failWith(outage);

    await expect(announceAvatar(fixture.deps, ALICE, VERSION)).rejects.toBe(outage);
    expect(fixture.objects.objects.has(avatarKey(ALICE, VERSION))).toBe(true);
  });
});
