import sharp from 'sharp';
import { uploadKey } from '#lib/avatars/avatar-objects';
import { AVATAR_RULES } from '#lib/avatars/normalise-avatar';
import { processUpload } from '#lib/avatars/process-upload';
import { landing } from '#tests/support/in-memory-upload-grants';
import { ALICE, BOB, avatarFixture, putUser, type AvatarFixture } from '#tests/support/avatar-fixture';
import { busyPng, png } from '#tests/support/test-images';

const UPLOAD_ID = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
const UPLOAD = uploadKey(ALICE, UPLOAD_ID);

/** The grant create-avatar-upload records with the form it hands out. */
const grant = (fixture: AvatarFixture, userId = ALICE, uploadId = UPLOAD_ID, expiresAt = new Date(Date.now() + 600_000)) =>
  fixture.uploadGrants.issue({ userId, uploadId, expiresAt: expiresAt.toISOString() });

async function withUpload(bytes: Uint8Array | Promise<Uint8Array>, granted = true): Promise<AvatarFixture> {
  const fixture = avatarFixture();
  if (granted) await grant(fixture);
  fixture.objects.objects.set(UPLOAD, await bytes);
  await fixture.connect(ALICE, 'alice-phone');
  await fixture.connect(ALICE, 'alice-laptop');
  return fixture;
}

const rejection = (reason: string) => ({ type: 'avatar.rejected', data: { userId: ALICE, uploadId: UPLOAD_ID, reason } });

describe('processUpload', () => {
  it('turns a valid upload into the user’s avatar and deletes the raw upload', async () => {
    const fixture = await withUpload(png(800, 400));

    expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing())).toBe('stored');

    const version = fixture.users.users.get(ALICE)?.avatarVersion ?? '';
    expect(fixture.objects.keys()).toEqual([`avatars/${ALICE}/${version}.webp`]);
    expect(await sharp(fixture.objects.objects.get(`avatars/${ALICE}/${version}.webp`)).metadata()).toMatchObject({
      format: 'webp',
      width: 512,
      height: 256,
    });
    // The avatar's own S3 event announces it; the upload path tells no socket anything.
    expect(fixture.sockets.sent).toEqual([]);
    expect(fixture.objects.calls.at(-1)).toBe(`delete ${UPLOAD}`);
    // The form is used up: its grant is consumed once the upload is processed.
    expect(fixture.uploadGrants.grants.size).toBe(0);
  });

  it.each([
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'must be a PNG, JPEG, WebP or GIF image'],
    ['plain text', Buffer.from('hello'), 'must be a PNG, JPEG, WebP or GIF image'],
    ['an empty object', new Uint8Array(), 'is empty'],
  ])('rejects %s: deletes the upload, then tells the user’s sockets why', async (_what, bytes, reason) => {
    const fixture = await withUpload(bytes);

    expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing())).toBe('rejected');

    expect(fixture.objects.objects.size).toBe(0);
    expect(fixture.sockets.messagesTo('alice-phone')).toEqual([rejection(reason)]);
    expect(fixture.sockets.messagesTo('alice-laptop')).toEqual([rejection(reason)]);
    expect(fixture.users.users.get(ALICE)?.avatarVersion).toBeUndefined();
    const deleted = fixture.journal.indexOf(`objects.delete ${UPLOAD}`);
    const told = fixture.journal.findIndex((entry) => entry.startsWith('sockets.send'));
    expect(deleted).toBeGreaterThanOrEqual(0);
    expect(deleted).toBeLessThan(told);
  });

  it('rejects a truncated image', async () => {
    const whole = await busyPng();
    const fixture = await withUpload(whole.subarray(0, Math.floor(whole.length / 2)));

    expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing())).toBe('rejected');
    expect(fixture.objects.objects.size).toBe(0);
    expect(fixture.sockets.messagesTo('alice-phone')).toEqual([rejection('is damaged or truncated')]);
  });

  it('rejects an upload over 5 MB without reading it', async () => {
    const fixture = await withUpload(new Uint8Array(AVATAR_RULES.maxBytes + 1));

    expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing())).toBe('rejected');
    expect(fixture.objects.objects.size).toBe(0);
    expect(fixture.sockets.messagesTo('alice-phone')).toEqual([rejection('must be at most 5 MB')]);
    expect(fixture.objects.calls).toEqual([`read ${UPLOAD}`, `delete ${UPLOAD}`]);
  });

  it.each([
    ['is being deleted', (f: AvatarFixture) => putUser(f.users, ALICE, 'deleting')],
    ['is gone', (f: AvatarFixture) => f.users.users.delete(ALICE)],
  ])('deletes the upload and tells nobody when the user %s', async (_what, arrange) => {
    const fixture = await withUpload(png());
    arrange(fixture);

    expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing())).toBe('user-gone');
    expect(fixture.objects.objects.size).toBe(0);
    expect(fixture.objects.calls.filter((call) => call.startsWith('putAvatar'))).toEqual([]);
    expect(fixture.sockets.sent).toEqual([]);
  });

  it('deletes the upload and its avatar object when the user’s deletion begins while it is processed', async () => {
    const fixture = await withUpload(png());
    const { setAvatar } = fixture.deps.avatars;
    const deps = {
      ...fixture.deps,
      avatars: {
        ...fixture.deps.avatars,
        async setAvatar(userId: string, version: string, at: Date) {
          await fixture.users.markDeleting(userId, at);
          return setAvatar(userId, version, at);
        },
      },
    };

    expect(await processUpload(deps, ALICE, UPLOAD_ID, landing())).toBe('user-gone');
    expect(fixture.objects.objects.size).toBe(0);
    expect(fixture.sockets.sent).toEqual([]);
  });

  it('does nothing for an upload that is no longer there (a retried event)', async () => {
    const fixture = avatarFixture();

    expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing())).toBe('missing');
    expect(fixture.journal).toEqual([`objects.read ${UPLOAD}`, `uploadGrants.consume ${UPLOAD_ID}`]);
  });

  it.each([
    ['reading the user', (f: AvatarFixture, e: Error) => f.avatars.failWith(e)],
    ['storing the avatar object', (f: AvatarFixture, e: Error) => f.objects.failWith('putAvatar', e)],
  ])('keeps the upload and rethrows on an outage while %s, so the retried event can finish', async (_what, breakIt) => {
    const fixture = await withUpload(png());
    const outage = new Error('service unavailable');
    breakIt(fixture, outage);

    await expect(processUpload(fixture.deps, ALICE, UPLOAD_ID, landing())).rejects.toBe(outage);
    expect(fixture.objects.objects.has(UPLOAD)).toBe(true);
    expect(fixture.sockets.sent).toEqual([]);

    fixture.avatars.failWith(undefined);
    fixture.objects.failWith('putAvatar', undefined);
    expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing())).toBe('stored');
    expect(fixture.objects.objects.has(UPLOAD)).toBe(false);
  });

  describe('accepts only an upload Halo issued to the user in its key, once', () => {
    const expectNothingChanged = (fixture: AvatarFixture) => {
      expect(fixture.objects.objects.has(UPLOAD)).toBe(false);
      expect(fixture.objects.calls.filter((call) => call.startsWith('putAvatar'))).toEqual([]);
      expect(fixture.users.users.get(ALICE)?.avatarVersion).toBeUndefined();
      expect(fixture.sockets.sent).toEqual([]);
    };

    it('refuses an upload no form was issued for (a forged key, a random upload id)', async () => {
      const fixture = await withUpload(png(), false);
      expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing())).toBe('not-granted');
      expectNothingChanged(fixture);
    });

    it("refuses an upload under the user's prefix made with another user's form, and leaves that grant alone", async () => {
      const fixture = await withUpload(png(), false);
      await grant(fixture, BOB, UPLOAD_ID);
      expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing())).toBe('not-granted');
      expectNothingChanged(fixture);
      expect(fixture.uploadGrants.grants.get(UPLOAD_ID)).toMatchObject({ userId: BOB });
      expect(fixture.uploadGrants.grants.get(UPLOAD_ID)?.claimedBy).toBeUndefined();
    });

    it('refuses an upload that landed after its form expired', async () => {
      const fixture = avatarFixture();
      await grant(fixture, ALICE, UPLOAD_ID, new Date('2026-01-01T00:10:00Z'));
      fixture.objects.objects.set(UPLOAD, await png());
      await fixture.connect(ALICE, 'alice-phone');
      expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing('write-1', new Date('2026-01-01T00:10:01Z')))).toBe('not-granted');
      expectNothingChanged(fixture);
    });

    it('refuses a second use of the same form (a replay), after or while the first is processed', async () => {
      const fixture = await withUpload(png());
      expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing('write-1'))).toBe('stored');
      const version = fixture.users.users.get(ALICE)?.avatarVersion;

      fixture.objects.objects.set(UPLOAD, await png(300, 300));
      expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing('write-2'))).toBe('not-granted');
      expect(fixture.users.users.get(ALICE)?.avatarVersion).toBe(version);
      expect(fixture.objects.objects.has(UPLOAD)).toBe(false);

      // Both writes landed before either event ran: the first to claim the grant holds it.
      const racing = await withUpload(png());
      expect(await racing.uploadGrants.claim(ALICE, UPLOAD_ID, landing('write-1'))).toBe(true);
      expect(await processUpload(racing.deps, ALICE, UPLOAD_ID, landing('write-2'))).toBe('not-granted');
      expect(racing.users.users.get(ALICE)?.avatarVersion).toBeUndefined();
    });

    it('lets the retried event of the same write claim its grant again', async () => {
      const fixture = await withUpload(png());
      const outage = new Error('service unavailable');
      fixture.objects.failWith('putAvatar', outage);
      await expect(processUpload(fixture.deps, ALICE, UPLOAD_ID, landing('write-1'))).rejects.toBe(outage);
      fixture.objects.failWith('putAvatar', undefined);
      expect(await processUpload(fixture.deps, ALICE, UPLOAD_ID, landing('write-1'))).toBe('stored');
      expect(fixture.uploadGrants.grants.size).toBe(0);
    });
  });
});
