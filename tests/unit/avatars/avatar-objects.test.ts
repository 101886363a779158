import { randomUUID } from 'node:crypto';
import { avatarKey, parseObjectKey, uploadKey } from '#lib/avatars/avatar-objects';
import { newAvatarVersion } from '#lib/avatars/avatar-version';

const USER = '7d3f1c2a-5b6e-4f80-9a1b-2c3d4e5f6a7b';
const VERSION = newAvatarVersion(new Date('2025-03-01T12:00:00.000Z'));

describe('object keys', () => {
  it('lays avatars and uploads out under a prefix that ends in the user id', () => {
    expect(avatarKey(USER, VERSION)).toBe(`avatars/${USER}/${VERSION}.webp`);
    expect(uploadKey(USER, 'f47ac10b-58cc-4372-a567-0e02b2c3d479')).toBe(`uploads/${USER}/f47ac10b-58cc-4372-a567-0e02b2c3d479`);
  });

  it('parses back every avatar key it makes', () => {
    for (let i = 0; i < 20; i++) {
      const userId = randomUUID();
      const version = newAvatarVersion(new Date(Date.UTC(2020 + i, i % 12, 1 + i)));
      expect(parseObjectKey(avatarKey(userId, version))).toEqual({ kind: 'avatar', userId, id: version });
    }
  });

  it('parses back every upload key it makes', () => {
    for (let i = 0; i < 20; i++) {
      const userId = randomUUID();
      const uploadId = randomUUID();
      expect(parseObjectKey(uploadKey(userId, uploadId))).toEqual({ kind: 'upload', userId, id: uploadId });
    }
  });

  it.each([
    ['another prefix', `thumbnails/${USER}/${VERSION}.webp`],
    ['no prefix', `${USER}/${VERSION}.webp`],
    ['a prefix without its slash', `avatars${USER}/${VERSION}.webp`],
    ['a leading slash', `/avatars/${USER}/${VERSION}.webp`],
    ['a prefix in capitals', `AVATARS/${USER}/${VERSION}.webp`],
    ['a user id that is no UUID', `avatars/alice/${VERSION}.webp`],
    ['a user id one character short', `avatars/${USER.slice(1)}/${VERSION}.webp`],
    ['a user id one character long', `avatars/${USER}0/${VERSION}.webp`],
    ['a user id in capitals', `avatars/${USER.toUpperCase()}/${VERSION}.webp`],
    ['a user id with a non-hex letter', `avatars/${USER.replace('7', 'g')}/${VERSION}.webp`],
    ['an avatar without .webp', `avatars/${USER}/${VERSION}`],
    ['an avatar as .png', `avatars/${USER}/${VERSION}.png`],
    ['an avatar as .webp.webp', `avatars/${USER}/${VERSION}.webp.webp`],
    ['an upload with .webp', `uploads/${USER}/f47ac10b-58cc-4372-a567-0e02b2c3d479.webp`],
    ['an upload with another extension', `uploads/${USER}/photo.jpg`],
    ['path traversal out of the prefix', 'avatars/../x'],
    ['path traversal into another user', `avatars/${USER}/../${USER}/${VERSION}.webp`],
    ['a dot-dot id', `uploads/${USER}/..`],
    ['a nested path', `uploads/${USER}/a/b`],
    ['an empty id', `uploads/${USER}/`],
    ['an id longer than 64 characters', `uploads/${USER}/${'a'.repeat(65)}`],
    ['a URL-encoded slash', `uploads/${USER}/a%2Fb`],
    ['a space', `uploads/${USER}/a b`],
    ['a trailing newline', `uploads/${USER}/abc\n`],
    ['the user prefix alone', `avatars/${USER}/`],
    ['an empty key', ''],
  ])('refuses a key Halo never writes: %s', (_what, key) => {
    expect(parseObjectKey(key)).toBeUndefined();
  });

  it('accepts ids of up to 64 characters', () => {
    expect(parseObjectKey(`uploads/${USER}/${'a'.repeat(64)}`)).toEqual({ kind: 'upload', userId: USER, id: 'a'.repeat(64) });
  });
});
