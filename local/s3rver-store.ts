import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * s3rver keeps each object as three files side by side: `<name>._S3rver_object` (the bytes), then
 * `<name>._S3rver_object.md5`, then `<name>._S3rver_metadata.json`, and answers the PUT only after the last.
 * A process killed between them leaves an object S3 itself could never show (a PUT is all or nothing).
 */
const OBJECT = '._S3rver_object';
const MD5 = '._S3rver_object.md5';
const METADATA = '._S3rver_metadata.json';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

async function parses(file: string): Promise<boolean> {
  try {
    JSON.parse((await readFile(file)).toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

const removeQuietly = (file: string) => unlink(file).catch((error: unknown) => (isMissing(error) ? undefined : Promise.reject(error)));

/**
 * Removes every object of `bucketDir` whose PUT never finished: its metadata file is missing, empty or cut
 * short (a kill while it was written; s3rver then fails every listing that covers the key with a 500), and
 * the md5 or metadata file left of an object whose deletion was cut short. Such a PUT was never answered,
 * so removing it is what S3 would show; the client that sent it retries. Returns the keys removed.
 */
export async function removeUnfinishedObjects(bucketDir: string): Promise<string[]> {
  let files: string[];
  try {
    files = (await readdir(bucketDir, { recursive: true })).map(String);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const present = new Set(files);
  const removed: string[] = [];
  for (const file of files) {
    if (file.endsWith(OBJECT)) {
      const name = file.slice(0, -OBJECT.length);
      if (await parses(join(bucketDir, name + METADATA))) continue;
      await Promise.all([OBJECT, MD5, METADATA].map((suffix) => removeQuietly(join(bucketDir, name + suffix))));
      removed.push(name);
    } else {
      const leftOf = [MD5, METADATA].find((suffix) => file.endsWith(suffix));
      if (leftOf && !present.has(file.slice(0, -leftOf.length) + OBJECT)) await removeQuietly(join(bucketDir, file));
    }
  }
  return removed;
}

interface ListingStore {
  listObjects(bucket: string, options: Record<string, unknown>): Promise<{ isTruncated: boolean }>;
}

/** A listing that meets a concurrent delete is walked again from the start, at most this often. */
const LISTING_ATTEMPTS = 5;

/**
 * Makes s3rver's listing behave like S3's under two conditions it otherwise answers with a 500:
 *
 * - A DeleteObject running at the same time. s3rver lists by walking the folders synchronously, so a file or
 *   folder removed between its `readdir` and its `stat` throws ENOENT out of the walk. S3 lists and deletes
 *   concurrently without error; here the walk starts over (it is cheap and the window is microseconds).
 * - More keys than MaxKeys. s3rver encrypts its continuation tokens with DES, which Node 20's OpenSSL 3 only
 *   has with `--openssl-legacy-provider` (ERR_OSSL_EVP_UNSUPPORTED). So every listing is answered whole
 *   (never truncated, no token to make): S3 clients loop until `IsTruncated` is false, and this ends it at once.
 */
export function hardenListing(store: ListingStore): void {
  const list = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await list(bucket, { ...options, maxKeys: Infinity });
      } catch (error) {
        if (!isMissing(error) || attempt >= LISTING_ATTEMPTS) throw error;
      }
    }
  };
}
