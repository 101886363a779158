import { AVATAR_VERSION, newAvatarVersion } from '#lib/avatars/avatar-version';

describe('newAvatarVersion', () => {
  it.each([
    new Date(0),
    new Date(1),
    new Date('2025-03-01T12:00:00.000Z'),
    new Date('2099-12-31T23:59:59.999Z'),
    new Date(36 ** 9 - 1), // the last millisecond nine base-36 digits can hold (year 5188)
  ])('has the documented shape (%s)', (now) => {
    expect(newAvatarVersion(now)).toMatch(AVATAR_VERSION);
  });

  it('sorts later times later, as plain strings, across digit-length boundaries', () => {
    // 36 ** 8 ms is in 2059: the first time that needs all nine digits.
    const times = [0, 1, 35, 36, 36 ** 2, 36 ** 5 - 1, 36 ** 5, Date.UTC(2025, 2, 1), Date.UTC(2025, 2, 1) + 1, 36 ** 8 - 1, 36 ** 8, 36 ** 9 - 1];
    const versions = times.map((ms) => newAvatarVersion(new Date(ms)));
    expect([...versions].sort()).toEqual(versions);
    for (let i = 1; i < versions.length; i++) expect((versions[i - 1] ?? '') < (versions[i] ?? '')).toBe(true);
  });

  it('sorts a millisecond later after any version of the millisecond before', () => {
    const now = Date.UTC(2025, 2, 1, 12);
    for (let i = 0; i < 50; i++) expect(newAvatarVersion(new Date(now)) < newAvatarVersion(new Date(now + 1))).toBe(true);
  });

  it('differs between versions made in the same millisecond', () => {
    const now = new Date('2025-03-01T12:00:00.000Z');
    const versions = Array.from({ length: 200 }, () => newAvatarVersion(now));
    expect(new Set(versions).size).toBe(200);
    expect(new Set(versions.map((v) => v.slice(0, 9))).size).toBe(1);
  });
});
