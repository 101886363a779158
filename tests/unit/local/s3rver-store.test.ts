import { hardenListing } from '#local/s3rver-store';

const missing = () => Object.assign(new Error('ENOENT: no such file or directory, stat'), { code: 'ENOENT' });

/** A store whose listing fails as given, once per entry, then answers. */
function storeFailing(...failures: Error[]) {
  const calls: Record<string, unknown>[] = [];
  const store = {
    async listObjects(_bucket: string, options: Record<string, unknown>) {
      calls.push(options);
      const failure = failures.shift();
      if (failure) throw failure;
      return { isTruncated: false };
    },
  };
  hardenListing(store);
  return { store, calls };
}

describe('hardenListing (s3rver’s listing next to concurrent deletes)', () => {
  it('walks again when a file vanished under the walk, and answers', async () => {
    const { store, calls } = storeFailing(missing(), missing());
    await expect(store.listObjects('bucket', { prefix: 'avatars/' })).resolves.toEqual({ isTruncated: false });
    expect(calls).toHaveLength(3);
  });

  it('gives up after five walks that all met a delete', async () => {
    const { store, calls } = storeFailing(...Array.from({ length: 5 }, missing));
    await expect(store.listObjects('bucket', {})).rejects.toMatchObject({ code: 'ENOENT' });
    expect(calls).toHaveLength(5);
  });

  it('passes any other failure on at once', async () => {
    const broken = new SyntaxError('Unexpected end of JSON input');
    const { store, calls } = storeFailing(broken);
    await expect(store.listObjects('bucket', {})).rejects.toBe(broken);
    expect(calls).toHaveLength(1);
  });

  it('asks for every key, so no DES continuation token is ever made', async () => {
    const { store, calls } = storeFailing();
    await store.listObjects('bucket', { prefix: 'p/', maxKeys: 2 });
    expect(calls).toEqual([{ prefix: 'p/', maxKeys: Infinity }]);
  });
});
