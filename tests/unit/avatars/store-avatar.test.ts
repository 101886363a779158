import sharp from 'sharp';
import { avatarKey } from '#lib/avatars/avatar-objects';
import { AVATAR_VERSION, newAvatarVersion } from '#lib/avatars/avatar-version';
import { storeAvatar } from '#lib/avatars/store-avatar';
import { ALICE, avatarFixture, BOB, putUser } from '#tests/support/avatar-fixture';
import { expectHaloError } from '#tests/support/halo-error';
import { png } from '#tests/support/test-images';

const versionOf = (avatarUrl: string) => avatarUrl.slice(avatarUrl.lastIndexOf('/') + 1);

describe('storeAvatar', () => {
  it('stores the normalised image, then makes it the user’s avatar', async () => {
    const { deps, users, avatars, objects, clock, journal } = avatarFixture();
    const stored = await storeAvatar(deps, ALICE, await png(600, 300));

    const version = versionOf(stored.avatarUrl);
    expect(version).toMatch(AVATAR_VERSION);
    expect(stored).toEqual({ avatarUrl: `https://halo.test/avatars/${ALICE}/${version}`, changedAt: clock().toISOString() });
    expect(journal).toEqual([`objects.putAvatar ${ALICE} ${version}`, `avatars.setAvatar ${ALICE} ${version}`]);
    expect(objects.keys()).toEqual([avatarKey(ALICE, version)]);
    expect(await sharp(objects.objects.get(avatarKey(ALICE, version))).metadata()).toMatchObject({ format: 'webp', width: 512, height: 256 });
    expect(users.users.get(ALICE)?.avatarVersion).toBe(version);
    expect(avatars.changedAt.get(ALICE)).toBe(clock().toISOString());
  });

  it('names the version after the clock, so a later upload has a later version', async () => {
    const { deps, clock } = avatarFixture();
    const first = versionOf((await storeAvatar(deps, ALICE, await png())).avatarUrl);
    clock.advance(1);
    const second = versionOf((await storeAvatar(deps, ALICE, await png())).avatarUrl);
    expect(first.slice(0, 9)).toBe(newAvatarVersion(new Date(clock().getTime() - 1000)).slice(0, 9));
    expect(second > first).toBe(true);
  });

  it('deletes the previous avatar’s object once the new one is in place', async () => {
    const { deps, users, objects, clock, journal } = avatarFixture();
    const first = versionOf((await storeAvatar(deps, ALICE, await png())).avatarUrl);
    clock.advance(60);
    journal.length = 0;
    const second = versionOf((await storeAvatar(deps, ALICE, await png())).avatarUrl);

    expect(journal).toEqual([
      `objects.putAvatar ${ALICE} ${second}`,
      `avatars.setAvatar ${ALICE} ${second}`,
      `objects.delete ${avatarKey(ALICE, first)}`,
    ]);
    expect(objects.keys()).toEqual([avatarKey(ALICE, second)]);
    expect(users.users.get(ALICE)?.avatarVersion).toBe(second);
  });

  it('leaves other users’ avatars alone', async () => {
    const { deps, objects, clock } = avatarFixture();
    const bobs = versionOf((await storeAvatar(deps, BOB, await png())).avatarUrl);
    await storeAvatar(deps, ALICE, await png());
    clock.advance(1);
    await storeAvatar(deps, ALICE, await png());
    expect(objects.keys(`avatars/${BOB}/`)).toEqual([avatarKey(BOB, bobs)]);
    expect(objects.keys(`avatars/${ALICE}/`)).toHaveLength(1);
  });

  it('removes its own object and reports a conflict when a newer avatar was set meanwhile', async () => {
    const { deps, users, objects, journal } = avatarFixture();
    const newer = newAvatarVersion(new Date('2030-01-01T00:00:00.000Z'));
    putUser(users, ALICE, 'active', newer);
    objects.objects.set(avatarKey(ALICE, newer), new Uint8Array([1, 2, 3]));

    await expectHaloError(storeAvatar(deps, ALICE, await png()), 'conflict', {
      avatar: 'a newer avatar was set while this one was being processed',
    });
    const own = journal[0]?.split(' ')[2] ?? '';
    expect(journal).toEqual([`objects.putAvatar ${ALICE} ${own}`, `avatars.setAvatar ${ALICE} ${own}`, `objects.delete ${avatarKey(ALICE, own)}`]);
    expect(objects.keys()).toEqual([avatarKey(ALICE, newer)]);
    expect(users.users.get(ALICE)?.avatarVersion).toBe(newer);
  });

  it.each([
    ['being deleted', (f: ReturnType<typeof avatarFixture>) => putUser(f.users, ALICE, 'deleting')],
    ['gone', (f: ReturnType<typeof avatarFixture>) => f.users.users.delete(ALICE)],
  ])('removes its own object and refuses the token when the user is %s', async (_what, arrange) => {
    const fixture = avatarFixture();
    arrange(fixture);
    await expectHaloError(storeAvatar(fixture.deps, ALICE, await png()), 'account_gone', { accessToken: 'the account no longer exists' });
    expect(fixture.objects.keys()).toEqual([]);
    expect(fixture.objects.calls.map((call) => call.split(' ')[0])).toEqual(['putAvatar', 'delete']);
  });

  it('rethrows when the version write fails, leaving its object for the S3 event to judge when it cannot read back', async () => {
    const { deps, avatars, objects, users } = avatarFixture();
    const outage = new Error('DynamoDB is unavailable');
    avatars.failWith(outage);

    await expect(storeAvatar(deps, ALICE, await png())).rejects.toBe(outage);
    // The write may have been applied with its reply lost: removing the object could leave the avatar pointing at nothing.
    expect(objects.calls.map((call) => call.split(' ')[0])).toEqual(['putAvatar']);
    expect(users.users.get(ALICE)?.avatarVersion).toBeUndefined();
  });

  it('removes its own object when the version write fails and reading back shows it was not applied', async () => {
    const { deps, objects, users } = avatarFixture();
    const outage = new Error('DynamoDB is unavailable');
    const repository = deps.avatars;
    const { setAvatar } = repository;
    repository.setAvatar = async () => {
      repository.setAvatar = setAvatar;
      throw outage;
    };

    await expect(storeAvatar(deps, ALICE, await png())).rejects.toBe(outage);
    expect(objects.keys()).toEqual([]);
    expect(users.users.get(ALICE)?.avatarVersion).toBeUndefined();
  });

  it('rethrows the write’s error, not the cleanup’s, when removing its object fails too', async () => {
    const { deps, avatars, objects } = avatarFixture();
    const outage = new Error('DynamoDB is unavailable');
    avatars.failWith(outage);
    objects.failWith('delete', new Error('S3 is unavailable'));

    await expect(storeAvatar(deps, ALICE, await png())).rejects.toBe(outage);
  });

  it('stores nothing at all for bytes that are not an allowed image', async () => {
    const { deps, objects, users, journal } = avatarFixture();
    await expectHaloError(storeAvatar(deps, ALICE, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), 'unsupported_media_type');
    const truncated = await png(300, 300);
    await expectHaloError(storeAvatar(deps, ALICE, truncated.subarray(0, 30)), 'invalid_image');

    expect(journal).toEqual([]);
    expect(objects.objects.size).toBe(0);
    expect(users.users.get(ALICE)?.avatarVersion).toBeUndefined();
  });
});
