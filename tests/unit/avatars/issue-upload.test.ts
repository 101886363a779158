import { issueUpload, UPLOAD_WINDOW_SECONDS } from '#lib/avatars/issue-upload';
import { HaloError } from '#lib/errors';
import { ALICE, avatarFixture, putUser } from '#tests/support/avatar-fixture';

describe('issueUpload', () => {
  it('records the grant of the one key the form is for, expiring with the form', async () => {
    const fixture = avatarFixture();
    const upload = await issueUpload(fixture.deps, ALICE);

    const [grant, ...others] = fixture.uploadGrants.grants.values();
    expect(others).toEqual([]);
    expect(upload.fields.key).toBe(`uploads/${ALICE}/${grant?.uploadId}`);
    expect(grant).toMatchObject({ userId: ALICE, expiresAt: new Date(fixture.clock().getTime() + UPLOAD_WINDOW_SECONDS * 1000).toISOString() });
    expect(upload.expiresAt).toBe(grant?.expiresAt);
    // The grant is written before the form exists: no form is ever handed out without one.
    expect(fixture.journal.findIndex((entry) => entry.startsWith('uploadGrants.issue'))).toBeLessThan(fixture.journal.findIndex((entry) => entry.startsWith('objects.presignedUpload')));
  });

  it('withdraws the grant and hands out no form when the account is being deleted meanwhile', async () => {
    const fixture = avatarFixture();
    putUser(fixture.users, ALICE, 'deleting');
    await expect(issueUpload(fixture.deps, ALICE)).rejects.toBeInstanceOf(HaloError);
    expect(fixture.uploadGrants.grants.size).toBe(0);
    expect(fixture.journal.some((entry) => entry.startsWith('objects.presignedUpload'))).toBe(false);
  });
});
