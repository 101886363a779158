import { avatarRedirect } from '#lib/avatars/avatar-redirect';
import { expectHaloError } from '#tests/support/halo-error';

const USER = '0b7c6f1e-4b8a-4c9e-9d2a-3f5e6a7b8c9d';
const VERSION = 'm1a2b3c4d-0123456789ab';

const depsWith = (current: { active: boolean; version?: string }) => {
  const presigned: string[] = [];
  const deps = {
    avatars: { currentAvatar: async () => current },
    objects: {
      presignedGet: async (key: string, seconds: number) => {
        presigned.push(`${key} ${seconds}`);
        return `https://s3.test/${key}?expires=${seconds}`;
      },
    },
  } as unknown as Parameters<typeof avatarRedirect>[0];
  return { deps, presigned };
};

describe('avatarRedirect (GET /avatars/{userId}/{version})', () => {
  it("presigns the user's current version", async () => {
    const { deps, presigned } = depsWith({ active: true, version: VERSION });
    await expect(avatarRedirect(deps, USER, VERSION, 300)).resolves.toBe(`https://s3.test/avatars/${USER}/${VERSION}.webp?expires=300`);
    expect(presigned).toEqual([`avatars/${USER}/${VERSION}.webp 300`]);
  });

  it.each([
    ['a made-up user id', 'not-a-uuid', VERSION, { active: true, version: VERSION }],
    ['a made-up version', USER, '../../etc', { active: true, version: VERSION }],
    ['an old version', USER, 'm0000000a-0123456789ab', { active: true, version: VERSION }],
    ['a deleted user', USER, VERSION, { active: false }],
  ])('is not found for %s, and presigns nothing', async (_case, userId, version, current) => {
    const { deps, presigned } = depsWith(current);
    await expectHaloError(avatarRedirect(deps, userId, version, 300), 'not_found', { avatar: 'no such avatar' });
    expect(presigned).toEqual([]);
  });
});
