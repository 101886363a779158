import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { queryByUser } from '#lib/storage/by-user-index';
import { BY_USER_INDEX, keys, TABLE_KEYS, TTL_ATTRIBUTE } from '#lib/storage/table-design';
import { CONTROL_PATHS, startIndexLagProxy, type IndexLagProxy } from '#local/dynamodb-index-lag';
import { startLocalDynamoDb, type LocalDynamoDb } from '#local/local-dynamodb';

/**
 * The index-lag proxy (local/dynamodb-index-lag.ts): the byUser index shows each item as it was until its change
 * is released, the table itself never lags, and TTL deletes expired items when told to, its deletions lagging too.
 */

const TABLE = 'halo-lag';
let dynalite: LocalDynamoDb;
let proxy: IndexLagProxy;
let now = Date.parse('2026-06-01T12:00:00.000Z');
let db: DynamoDBDocumentClient;
let raw: DynamoDBClient;

beforeAll(async () => {
  dynalite = await startLocalDynamoDb(undefined, TABLE);
  proxy = await startIndexLagProxy({ target: dynalite.endpoint, table: TABLE_KEYS, index: BY_USER_INDEX, ttlAttribute: TTL_ATTRIBUTE, lag: 'hold', clock: () => now });
  raw = new DynamoDBClient({ endpoint: proxy.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  db = DynamoDBDocumentClient.from(raw);
});
afterAll(async () => {
  raw.destroy();
  await proxy.close();
  await dynalite.close();
});
beforeEach(() => proxy.setLag('hold'));

const put = (userId: string, id: string, extra: Record<string, unknown> = {}) =>
  db.send(new PutCommand({ TableName: TABLE, Item: { ...keys.connection(id), ...keys.ownedBy(userId, `CONN#${id}`), ...extra } }));
const indexed = async (userId: string, kind?: string) => (await queryByUser(db, TABLE, userId, kind)).map((item) => item.pk);
const inTable = async (id: string) => (await db.send(new GetCommand({ TableName: TABLE, Key: keys.connection(id), ConsistentRead: true }))).Item !== undefined;

describe('the byUser index behind the proxy', () => {
  it('shows a new item only once released, while the table has it at once', async () => {
    await put('u-new', 'a');
    expect(await inTable('a')).toBe(true);
    expect(await indexed('u-new')).toEqual([]);
    expect(proxy.pending()).toEqual([{ pk: 'CONN#a', sk: 'CONN', next: { partition: 'USER#u-new', sort: 'CONN#a' }, visibleAt: 'held' }]);
    expect(proxy.release({ pk: 'CONN#a' })).toBe(1);
    expect(await indexed('u-new')).toEqual(['CONN#a']);
    expect(proxy.pending()).toEqual([]);
  });

  it('keeps showing a deleted item until its deletion is released', async () => {
    await put('u-del', 'b');
    proxy.release();
    await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.connection('b') }));
    expect(await inTable('b')).toBe(false);
    expect(await indexed('u-del')).toEqual(['CONN#b']);
    proxy.release();
    expect(await indexed('u-del')).toEqual([]);
  });

  it('shows an item at its old index keys until the move is released, and each item lags on its own', async () => {
    await put('u-old', 'c');
    await put('u-old', 'd');
    proxy.release();
    await put('u-other', 'c'); // the same item, now owned by another user
    await put('u-old', 'e');
    expect(await indexed('u-old')).toEqual(['CONN#c', 'CONN#d']);
    expect(await indexed('u-other')).toEqual([]);
    proxy.release({ pk: 'CONN#c' });
    expect(await indexed('u-old')).toEqual(['CONN#d']);
    expect(await indexed('u-other')).toEqual(['CONN#c']);
    proxy.release({ indexSortKeyPrefix: 'CONN#e' });
    expect(await indexed('u-old')).toEqual(['CONN#d', 'CONN#e']);
  });

  it('applies a fixed lag by the clock, and changes of one item in their order', async () => {
    proxy.setLag({ ms: 800 });
    await put('u-timed', 'f');
    now += 799;
    expect(await indexed('u-timed')).toEqual([]);
    await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.connection('f') })); // visible at +800 after this
    now += 1;
    expect(await indexed('u-timed')).toEqual(['CONN#f']); // the put has reached the index, the delete not yet
    now += 800;
    expect(await indexed('u-timed')).toEqual([]);
  });

  it('answers key conditions, order and pages over lagging and settled items alike', async () => {
    for (const id of ['g1', 'g2', 'g3']) await put('u-page', id);
    proxy.release({ pk: 'CONN#g1' });
    await db.send(new PutCommand({ TableName: TABLE, Item: { ...keys.refreshToken('h'), ...keys.ownedBy('u-page', 'RT#h') } }));
    proxy.release({ pk: 'CONN#g3' });
    expect(await indexed('u-page')).toEqual(['CONN#g1', 'CONN#g3']);
    proxy.release();
    expect(await indexed('u-page', 'CONN#')).toEqual(['CONN#g1', 'CONN#g2', 'CONN#g3']);
    await put('u-page', 'g0');
    const pages: unknown[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({ TableName: TABLE, IndexName: BY_USER_INDEX.name, KeyConditionExpression: 'gsi1pk = :u', ExpressionAttributeValues: { ':u': 'USER#u-page' }, Limit: 2, ExclusiveStartKey: start, ScanIndexForward: false }),
      );
      pages.push((page.Items ?? []).map((item) => item.gsi1sk));
      start = page.LastEvaluatedKey;
    } while (start);
    expect(pages).toEqual([['RT#h', 'CONN#g3'], ['CONN#g2', 'CONN#g1']]);
  });

  it('carries on past the previous page even when its last item has left the index since', async () => {
    for (const id of ['p1', 'p2', 'p3']) await put('u-pages', id);
    proxy.release();
    const page = (start?: Record<string, unknown>) =>
      db.send(new QueryCommand({ TableName: TABLE, IndexName: BY_USER_INDEX.name, KeyConditionExpression: 'gsi1pk = :u', ExpressionAttributeValues: { ':u': 'USER#u-pages' }, Limit: 2, ExclusiveStartKey: start }));
    const first = await page();
    expect(first.Items?.map((item) => item.pk)).toEqual(['CONN#p1', 'CONN#p2']);
    await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.connection('p2') }));
    proxy.release();
    const second = await page(first.LastEvaluatedKey);
    expect(second.Items?.map((item) => item.pk)).toEqual(['CONN#p3']);
    expect(second.LastEvaluatedKey).toBeUndefined();
  });

  it('refuses a strongly consistent read of the index, as DynamoDB does', async () => {
    await expect(
      db.send(new QueryCommand({ TableName: TABLE, IndexName: BY_USER_INDEX.name, KeyConditionExpression: 'gsi1pk = :u', ExpressionAttributeValues: { ':u': 'USER#x' }, ConsistentRead: true })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('TTL behind the proxy', () => {
  it('leaves expired items readable until it runs, then deletes exactly the expired ones, the index lagging behind', async () => {
    const seconds = Math.floor(now / 1000);
    await put('u-ttl', 'expired', { ttl: seconds - 1 });
    await put('u-ttl', 'live', { ttl: seconds + 60 });
    await put('u-ttl', 'text-ttl', { ttl: String(seconds - 1) }); // not a Number: DynamoDB's TTL ignores it
    await put('u-ttl', 'ancient', { ttl: seconds - 6 * 365 * 24 * 3600 }); // over five years: ignored too
    await put('u-ttl', 'no-ttl');
    proxy.release();
    expect(await inTable('expired')).toBe(true);

    expect(await proxy.expire(TABLE, new Date(now))).toEqual(['CONN#expired']);
    expect(await inTable('expired')).toBe(false);
    expect(await indexed('u-ttl')).toContain('CONN#expired'); // the deletion has not reached the index yet
    proxy.release();
    expect((await indexed('u-ttl')).sort()).toEqual(['CONN#ancient', 'CONN#live', 'CONN#no-ttl', 'CONN#text-ttl']);
  });

  it('is driven over HTTP too, for a stack in another process', async () => {
    await put('u-http', 'i', { ttl: Math.floor(now / 1000) - 5 });
    const call = async (path: string, body: unknown) => (await fetch(`${proxy.endpoint}${path}`, { method: 'POST', body: JSON.stringify(body) })).json();
    expect(await call(CONTROL_PATHS.pending, {})).toMatchObject({ pending: [expect.objectContaining({ pk: 'CONN#i' })] });
    expect(await call(CONTROL_PATHS.release, { pk: 'CONN#i' })).toEqual({ released: 1 });
    expect(await call(CONTROL_PATHS.expire, { tableName: TABLE, now: new Date(now).toISOString() })).toEqual({ deleted: ['CONN#i'] });
    expect(await call(CONTROL_PATHS.lag, { ms: 0 })).toEqual({ lag: { ms: 0 } });
    expect(await call(CONTROL_PATHS.release, {})).toEqual({ released: 1 });
    expect(await indexed('u-http')).toEqual([]);
  });
});
