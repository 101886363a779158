import { randomBytes } from 'node:crypto';
import type * as Argon2 from './argon2';

// Loaded at the first hash or verification, not at cold start: most functions that authenticate
// (get-user, the avatar and socket routes) build a hasher through the shared account deps and never use it.
let kdf: Promise<typeof Argon2> | undefined;
const loadKdf = () => (kdf ??= import('./argon2'));

/**
 * argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane). Stored as a PHC string
 * (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), so raising these numbers later only changes new
 * hashes, and `needsRehash` upgrades old ones at the user's next login.
 *
 * hash-wasm rather than a native addon: it bundles into a Lambda with esbuild for any architecture.
 */
export interface Argon2Parameters {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

export const OWASP_ARGON2ID: Argon2Parameters = { memoryKiB: 19_456, iterations: 2, parallelism: 1 };

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant work whether or not the hash matches; `needsRehash` when it was made with other parameters. */
  verify(password: string, phc: string): Promise<{ valid: boolean; needsRehash: boolean }>;
  /** Burns the same time as a real verification, for logins whose identifier does not exist. */
  verifyAgainstNothing(password: string): Promise<void>;
}

export function createPasswordHasher(params: Argon2Parameters = OWASP_ARGON2ID): PasswordHasher {
  const hash = async (password: string) =>
    (await loadKdf()).argon2id({
      password: password.normalize('NFKC'),
      salt: randomBytes(16),
      parallelism: params.parallelism,
      iterations: params.iterations,
      memorySize: params.memoryKiB,
      hashLength: 32,
      outputType: 'encoded',
    });

  // The decoy an unknown identifier is verified against: a well-formed PHC string with the current parameters
  // and random salt and digest, made without running the KDF. Built when the hasher is (cold start, for free),
  // so every unknown-identifier login costs exactly one verification; hashing it on first use cost the first
  // one a second argon2id run, a timing tell on a warm instance.
  const b64 = (bytes: number) => randomBytes(bytes).toString('base64').replace(/=+$/, '');
  const decoy = `$argon2id$v=19$m=${params.memoryKiB},t=${params.iterations},p=${params.parallelism}$${b64(16)}$${b64(32)}`;

  return {
    hash,
    async verify(password, phc) {
      const match = PHC.exec(phc);
      if (!match) return { valid: false, needsRehash: false };
      // Parameters the KDF refuses (a too-short salt, t=0, …) make a corrupt hash: it matches nothing.
      const { argon2Verify } = await loadKdf();
      const valid = await argon2Verify({ password: password.normalize('NFKC'), hash: phc }).catch(() => false);
      const [, m, t, p] = match.map(Number);
      const needsRehash = m !== params.memoryKiB || t !== params.iterations || p !== params.parallelism;
      return { valid, needsRehash };
    },
    async verifyAgainstNothing(password) {
      const { argon2Verify } = await loadKdf();
      // hash-wasm refuses an empty password; a stand-in costs the same work, and the answer is ignored anyway.
      await argon2Verify({ password: password.normalize('NFKC') || ' ', hash: decoy });
    },
  };
}
