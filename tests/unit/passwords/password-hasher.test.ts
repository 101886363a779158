import { OWASP_ARGON2ID, createPasswordHasher } from '#lib/passwords/password-hasher';
import { CHEAP_ARGON2 } from '#tests/support/account-fixture';

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;

describe('createPasswordHasher', () => {
  // The only full-cost hashes in the suite (about 100 ms each): the production parameters themselves.
  it('hashes with OWASP argon2id parameters into a PHC string and verifies it', async () => {
    const hasher = createPasswordHasher();
    const phc = await hasher.hash('correct horse battery');
    expect(phc).toMatch(PHC);
    expect(phc.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(OWASP_ARGON2ID).toEqual({ memoryKiB: 19_456, iterations: 2, parallelism: 1 });
    await expect(hasher.verify('correct horse battery', phc)).resolves.toEqual({ valid: true, needsRehash: false });
  });

  describe('with cheap parameters', () => {
    const hasher = createPasswordHasher(CHEAP_ARGON2);

    it('writes its own parameters and a fresh salt into every hash', async () => {
      const first = await hasher.hash('correct horse battery');
      const second = await hasher.hash('correct horse battery');
      expect(first).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
      expect(first).toMatch(PHC);
      expect(second).not.toBe(first);
    });

    it('verifies the right password and refuses a wrong one', async () => {
      const phc = await hasher.hash('correct horse battery');
      await expect(hasher.verify('correct horse battery', phc)).resolves.toEqual({ valid: true, needsRehash: false });
      await expect(hasher.verify('correct horse batterY', phc)).resolves.toEqual({ valid: false, needsRehash: false });
    });

    it('verifies a password typed in another Unicode compatibility form (NFKC)', async () => {
      const phc = await hasher.hash('ｐａｓｓ ｗｏｒｄ ２０２５');
      await expect(hasher.verify('pass word 2025', phc)).resolves.toMatchObject({ valid: true });
    });

    it('verifies hashes made with other parameters and asks for a rehash', async () => {
      const stronger = createPasswordHasher({ memoryKiB: 2048, iterations: 2, parallelism: 1 });
      const oldHash = await hasher.hash('correct horse battery');
      await expect(stronger.verify('correct horse battery', oldHash)).resolves.toEqual({ valid: true, needsRehash: true });
      await expect(stronger.verify('wrong password', oldHash)).resolves.toEqual({ valid: false, needsRehash: true });

      const newHash = await stronger.hash('correct horse battery');
      expect(newHash).toMatch(/^\$argon2id\$v=19\$m=2048,t=2,p=1\$/);
      await expect(stronger.verify('correct horse battery', newHash)).resolves.toEqual({ valid: true, needsRehash: false });
      await expect(hasher.verify('correct horse battery', newHash)).resolves.toEqual({ valid: true, needsRehash: true });
    });

    it.each([
      ['an empty string', ''],
      ['plain text', 'not-a-hash'],
      ['bcrypt', '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234'],
      ['argon2i', '$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'],
      ['a too-short salt', '$argon2id$v=19$m=1024,t=1,p=1$YQ$aGFzaGhhc2hoYXNoaGFzaA'],
      ['zero iterations', '$argon2id$v=19$m=1024,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'],
      ['too little memory', '$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'],
    ])('answers "not valid" for a stored hash that is %s, without throwing', async (_what, phc) => {
      await expect(hasher.verify('any password', phc)).resolves.toMatchObject({ valid: false });
    });

    it('burns a verification when there is no hash to verify against', async () => {
      await expect(hasher.verifyAgainstNothing('any password')).resolves.toBeUndefined();
      await expect(hasher.verifyAgainstNothing('another password')).resolves.toBeUndefined();
    });

    it('burns the same verification for an empty password, which the KDF itself refuses', async () => {
      await expect(hasher.verifyAgainstNothing('')).resolves.toBeUndefined();
      await expect(hasher.verify('', await hasher.hash('any password'))).resolves.toMatchObject({ valid: false });
    });
  });
});
