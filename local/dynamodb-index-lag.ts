import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * A DynamoDB-protocol proxy in front of dynalite that makes one global secondary index lag behind its table, as
 * DynamoDB's do, and that runs TTL when a test says so. dynalite keeps every index exactly in step with the table
 * and never applies TTL; code written for DynamoDB's behaviour would otherwise never see either.
 *
 * - **Index lag.** On DynamoDB every read of a GSI is eventually consistent and cannot be made strong: a Query on a
 *   GSI with `ConsistentRead: true` is a ValidationException
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html#DDB-Query-request-ConsistentRead).
 *   A write reaches the index asynchronously, "within a fraction of a second, under normal conditions", with
 *   longer delays possible (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Writes).
 *   Here every write through the proxy that changes an item's entry in the index (a new item, a deleted one, new
 *   index keys) becomes visible to Queries on the index only once released: after a fixed delay (`{ ms }`), or
 *   when the test releases it (`'hold'`). Until then the index shows the item as it was (a new item absent, a
 *   deleted one still there, a moved one at its old keys). Changes of one item apply in the order they were
 *   written. Reads of the table itself (GetItem, Query without an index, Scan) are never delayed.
 * - **TTL.** DynamoDB deletes an expired item "typically within two days", until then it "will still show up in
 *   reads, queries, and scans", and the deletion reaches indexes "in the same eventually consistent way as a
 *   standard delete operation"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html). Here expired items
 *   linger until `expire(now)` deletes every item whose TTL attribute (a Number of epoch seconds) is before `now`,
 *   each with a conditional DeleteItem through the proxy, so the index lags behind those deletions too.
 *
 * Only what Halo's index needs is modelled: a KEYS_ONLY projection with string keys, and key conditions made of
 * `=`, `<`, `<=`, `>`, `>=`, `BETWEEN` and `begins_with` joined by AND (anything else is refused loudly, never
 * answered wrongly). Writes that bypass the proxy (straight to dynalite) are in the index at once.
 */

export type IndexLag = { readonly ms: number } | 'hold';

export interface IndexLagSettings {
  /** Where dynalite (or any DynamoDB-compatible endpoint that does not check signatures) listens. */
  readonly target: string;
  readonly table: { readonly partitionKey: string; readonly sortKey: string };
  readonly index: { readonly name: string; readonly partitionKey: string; readonly sortKey: string };
  readonly ttlAttribute: string;
  readonly lag: IndexLag;
  /** Milliseconds since the epoch; a test may drive it. */
  readonly clock?: () => number;
}

/** Which held or pending index changes `release` makes visible; every one when empty. */
export interface ReleaseFilter {
  /** The item's table partition key value (`CONN#abc`, `RT#…`). */
  readonly pk?: string;
  /** A prefix of the item's index sort key, before or after the change (`CONN#`, `RT#`). */
  readonly indexSortKeyPrefix?: string;
}

export interface PendingIndexChange {
  readonly pk: string;
  readonly sk: string;
  /** The index entry as it will be once visible; `null` when the item leaves the index (deleted). */
  readonly next: { readonly partition: string; readonly sort: string } | null;
  /** When it becomes visible (epoch ms), or `held` until released. */
  readonly visibleAt: number | 'held';
}

export interface IndexLagProxy {
  readonly endpoint: string;
  /** How later writes lag (pending ones keep theirs). */
  setLag(lag: IndexLag): void;
  /** Makes matching pending changes visible now; returns how many. */
  release(filter?: ReleaseFilter): number;
  /** Index changes not visible yet. */
  pending(): PendingIndexChange[];
  /** Runs TTL now: deletes (through the proxy) every item of `tableName` expired before `now`; returns their `pk`s. */
  expire(tableName: string, now: Date): Promise<string[]>;
  close(): Promise<void>;
}

/** Control paths beside DynamoDB's own `POST /`, so a test can drive a proxy inside another process. */
export const CONTROL_PATHS = { lag: '/_local/index-lag/lag', release: '/_local/index-lag/release', pending: '/_local/index-lag/pending', expire: '/_local/ttl/expire' } as const;

type Item = Record<string, AttributeValue>;
interface Entry {
  readonly partition: string;
  readonly sort: string;
}
interface Change {
  readonly next: Entry | null;
  visibleAt: number | 'held';
}
interface Tracked {
  readonly table: string;
  readonly pk: string;
  readonly sk: string;
  /** The entry a Query on the index shows now. */
  visible: Entry | null;
  readonly changes: Change[];
}

const COMPARISONS = { '=': (c: number) => c === 0, '<': (c: number) => c < 0, '<=': (c: number) => c <= 0, '>': (c: number) => c > 0, '>=': (c: number) => c >= 0 };

/** A string attribute's value; the keys this proxy reads are always strings. */
const text = (item: Item, name: string): string => {
  const value = item[name]?.S;
  if (value === undefined) throw new Error(`the index-lag proxy expected a string ${name}`);
  return value;
};
const tableKey = (item: Item, pkName: string, skName: string): Item => ({ [pkName]: { S: text(item, pkName) }, [skName]: { S: text(item, skName) } });

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
/**
 * TTL ignores an item whose TTL attribute is not a Number of epoch seconds, or lies more than five years in the past
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html).
 */
const TTL_HORIZON_SECONDS = 5 * 365 * 24 * 3600;

export async function startIndexLagProxy(settings: IndexLagSettings): Promise<IndexLagProxy> {
  const clock = settings.clock ?? Date.now;
  let lag = settings.lag;
  const target = new DynamoDBClient({ endpoint: settings.target, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const tracked = new Map<string, Tracked>();
  const locks = new Map<string, Promise<void>>();
  const { partitionKey: pkName, sortKey: skName } = settings.table;
  const { partitionKey: ipkName, sortKey: iskName } = settings.index;

  const idOf = (table: string, key: Item) => JSON.stringify([table, key[pkName]?.S, key[skName]?.S]);
  const entryOf = (item: Item | undefined): Entry | null => {
    const partition = item?.[ipkName]?.S;
    const sort = item?.[iskName]?.S;
    return partition !== undefined && sort !== undefined ? { partition, sort } : null;
  };
  const sameEntry = (a: Entry | null, b: Entry | null) => a?.partition === b?.partition && a?.sort === b?.sort;

  /** Applies, per item and in order, every change whose time has come; forgets items with nothing pending. */
  const settle = () => {
    const now = clock();
    for (const [id, item] of tracked) {
      while (item.changes[0] && item.changes[0].visibleAt !== 'held' && item.changes[0].visibleAt <= now) {
        item.visible = item.changes.shift()?.next ?? null;
      }
      // Nothing pending: dynalite's own index (always up to date) is the truth for it again.
      if (item.changes.length === 0) tracked.delete(id);
    }
  };

  /** One write at a time per item, so each change is recorded against the state it replaced. */
  const lock = async (ids: string[]) => {
    const releases: (() => void)[] = [];
    for (const id of [...new Set(ids)].sort()) {
      const before = locks.get(id) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((done) => (release = done));
      const tail = before.then(() => mine);
      locks.set(id, tail);
      await before;
      releases.push(() => {
        release();
        if (locks.get(id) === tail) locks.delete(id);
      });
    }
    return () => releases.forEach((release) => release());
  };

  const readEntry = async (table: string, key: Item) => {
    const { Item: found } = await target.send(
      new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return entryOf(found);
  };

  /** Forwards a write, recording how it changed the index entry of each item it touched. */
  const write = async (operation: string, body: Record<string, unknown>, forward: () => Promise<Forwarded>): Promise<Forwarded> => {
    const touched = writtenKeys(operation, body, pkName, skName);
    const unlock = await lock(touched.map(({ table, key }) => idOf(table, key)));
    try {
      const before = await Promise.all(touched.map(({ table, key }) => readEntry(table, key)));
      const answer = await forward();
      if (answer.status !== 200) return answer;
      const after = await Promise.all(touched.map(({ table, key }) => readEntry(table, key)));
      const visibleAt = lag === 'hold' ? 'held' : clock() + lag.ms;
      touched.forEach(({ table, key }, i) => {
        const id = idOf(table, key);
        const known = tracked.get(id);
        const latest = known ? (known.changes.at(-1)?.next ?? known.visible) : (before[i] ?? null);
        const next = after[i] ?? null;
        if (sameEntry(latest, next)) return;
        const item = known ?? { table, pk: text(key, pkName), sk: text(key, skName), visible: before[i] ?? null, changes: [] };
        item.changes.push({ next, visibleAt });
        tracked.set(id, item);
      });
      return answer;
    } finally {
      unlock();
    }
  };

  /** A Query on the lagging index: dynalite's (current) answer, with every item that has pending changes shown as it was. */
  const queryIndex = async (body: QueryInput): Promise<Forwarded> => {
    if (body.ConsistentRead) {
      return awsError(400, 'ValidationException', 'Consistent reads are not supported on global secondary indexes');
    }
    settle();
    const condition = parseKeyCondition(body.KeyConditionExpression ?? '', body.ExpressionAttributeNames ?? {}, body.ExpressionAttributeValues ?? {}, settings.index);
    const current: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await target.send(
        new QueryCommand({
          TableName: body.TableName,
          IndexName: body.IndexName,
          KeyConditionExpression: body.KeyConditionExpression,
          ExpressionAttributeNames: body.ExpressionAttributeNames,
          ExpressionAttributeValues: body.ExpressionAttributeValues,
          ExclusiveStartKey: start,
        }),
      );
      current.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);

    const lagging = [...tracked.values()].filter((item) => item.table === body.TableName);
    const laggingIds = new Set(lagging.map((item) => idOf(item.table, { [pkName]: { S: item.pk }, [skName]: { S: item.sk } })));
    const shown = current.filter((item) => !laggingIds.has(idOf(body.TableName, item)));
    for (const item of lagging) {
      if (item.visible && condition(item.visible)) {
        shown.push({ [pkName]: { S: item.pk }, [skName]: { S: item.sk }, [ipkName]: { S: item.visible.partition }, [iskName]: { S: item.visible.sort } });
      }
    }
    // The index's order: by its sort key (DynamoDB compares strings as UTF-8 bytes); ties in table-key order.
    const bytes = (item: Item, name: string) => Buffer.from(text(item, name));
    const direction = body.ScanIndexForward === false ? -1 : 1;
    const order = (a: Item, b: Item) =>
      direction *
      (Buffer.compare(bytes(a, iskName), bytes(b, iskName)) || Buffer.compare(bytes(a, pkName), bytes(b, pkName)) || Buffer.compare(bytes(a, skName), bytes(b, skName)));
    shown.sort(order);

    // A page starts just past the previous page's last key, wherever that item is now (it may have left the index).
    const after = body.ExclusiveStartKey;
    const from = after ? shown.filter((item) => order(item, after) <= 0).length : 0;
    const limit = body.Limit ?? Number.POSITIVE_INFINITY;
    const page = shown.slice(from, from + limit);
    const last = page.at(-1);
    const more = from + page.length < shown.length;
    return json(200, {
      ...(body.Select === 'COUNT' ? {} : { Items: page }),
      Count: page.length,
      ScannedCount: page.length,
      ...(more && last ? { LastEvaluatedKey: { [pkName]: last[pkName], [skName]: last[skName], [ipkName]: last[ipkName], [iskName]: last[iskName] } } : {}),
    });
  };

  const release = (filter: ReleaseFilter = {}) => {
    const now = clock();
    let count = 0;
    for (const item of tracked.values()) {
      if (filter.pk !== undefined && item.pk !== filter.pk) continue;
      for (const change of item.changes) {
        const prefix = filter.indexSortKeyPrefix;
        if (prefix !== undefined && !change.next?.sort.startsWith(prefix) && !item.visible?.sort.startsWith(prefix)) continue;
        if (change.visibleAt === 'held' || change.visibleAt > now) {
          change.visibleAt = now;
          count++;
        }
      }
    }
    settle();
    return count;
  };

  const pending = (): PendingIndexChange[] => {
    settle();
    return [...tracked.values()].flatMap((item) => item.changes.map((change) => ({ pk: item.pk, sk: item.sk, next: change.next, visibleAt: change.visibleAt })));
  };

  let endpoint = '';
  const expire = async (tableName: string, now: Date) => {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const ttlName = settings.ttlAttribute;
    const expired: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await target.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        const ttl = Number(item[ttlName]?.N);
        // Only a Number attribute counts; items expired more than five years ago are ignored, as DynamoDB does.
        if (item[ttlName]?.N !== undefined && ttl < nowSeconds && ttl > nowSeconds - TTL_HORIZON_SECONDS) expired.push(item);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    const viaProxy = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    const deleted: string[] = [];
    try {
      for (const item of expired) {
        // The item may have been rewritten since the scan: it goes only if it is still expired. DynamoDB lets an
        // expired item pending deletion be updated, its TTL changed or removed
        // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html); that TTL then never deletes
        // it even if the scan that found it ran just before the update is our reading, unverified.
        await viaProxy
          .send(
            new DeleteItemCommand({
              TableName: tableName,
              Key: tableKey(item, pkName, skName),
              ConditionExpression: '#ttl < :now',
              ExpressionAttributeNames: { '#ttl': ttlName },
              ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
            }),
          )
          .then(
            () => deleted.push(text(item, pkName)),
            (error: Error) => {
              if (error.name !== 'ConditionalCheckFailedException') throw error;
            },
          );
      }
    } finally {
      viaProxy.destroy();
    }
    return deleted;
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: Error) => send(res, json(500, { __type: 'InternalFailure', message: `index-lag proxy: ${error.message}` })));
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/') return send(res, await control(path ?? '', raw));
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    const forward = () => forwardTo(settings.target, req, raw);
    const body = raw.length > 0 ? (JSON.parse(raw.toString()) as Record<string, unknown>) : {};
    if (operation === 'Query' && body.IndexName === settings.index.name) return send(res, await queryIndex(body as unknown as QueryInput));
    if (WRITES.has(operation)) return send(res, await write(operation, body, forward));
    return send(res, await forward());
  };
  const control = async (path: string, raw: Buffer): Promise<Forwarded> => {
    const input = raw.length > 0 ? (JSON.parse(raw.toString()) as Record<string, unknown>) : {};
    switch (path) {
      case CONTROL_PATHS.lag:
        lag = input.hold ? 'hold' : { ms: Number(input.ms ?? 0) };
        return json(200, { lag });
      case CONTROL_PATHS.release:
        return json(200, { released: release(input as ReleaseFilter) });
      case CONTROL_PATHS.pending:
        return json(200, { pending: pending() });
      case CONTROL_PATHS.expire:
        return json(200, { deleted: await expire(String(input.tableName), input.now ? new Date(String(input.now)) : new Date(clock())) });
      default:
        return json(404, { message: `no such control path: ${path}` });
    }
  };

  await new Promise<void>((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', () => done()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    setLag: (next) => void (lag = next),
    release,
    pending,
    expire,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      target.destroy();
    },
  };
}

interface QueryInput {
  readonly TableName: string;
  readonly IndexName: string;
  readonly KeyConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Item;
  readonly ExclusiveStartKey?: Item;
  readonly Limit?: number;
  readonly ScanIndexForward?: boolean;
  readonly Select?: string;
  readonly ConsistentRead?: boolean;
}

interface Forwarded {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

function json(status: number, body: unknown): Forwarded {
  return { status, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from(JSON.stringify(body)) };
}

function awsError(status: number, type: string, message: string): Forwarded {
  return json(status, { __type: `com.amazon.coral.validate#${type}`, message });
}

function send(res: ServerResponse, answer: Forwarded) {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) }).end(answer.body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The request as it came (headers and bytes: dynalite does not check signatures), and dynalite's answer as it is. */
async function forwardTo(target: string, req: IncomingMessage, body: Buffer): Promise<Forwarded> {
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && !['host', 'connection', 'content-length'].includes(entry[0])),
  );
  const answer = await fetch(`${target}${req.url ?? '/'}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : body });
  const answered: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (!['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'content-encoding'].includes(name)) answered[name] = value;
  });
  return { status: answer.status, headers: answered, body: Buffer.from(await answer.arrayBuffer()) };
}

/** The table and key of every item a write touches. */
function writtenKeys(operation: string, body: Record<string, unknown>, pkName: string, skName: string): { table: string; key: Item }[] {
  const keyOf = (item: Item | undefined) => tableKey(item ?? {}, pkName, skName);
  if (operation === 'PutItem') return [{ table: String(body.TableName), key: keyOf(body.Item as Item) }];
  if (operation === 'UpdateItem' || operation === 'DeleteItem') return [{ table: String(body.TableName), key: keyOf(body.Key as Item) }];
  const requests = (body.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>;
  return Object.entries(requests).flatMap(([table, list]) =>
    list.map((request) => ({ table, key: keyOf(request.PutRequest?.Item ?? request.DeleteRequest?.Key) })),
  );
}

/**
 * A key condition as a test on an index entry. The grammar DynamoDB allows for key conditions
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html), on string keys.
 */
export function parseKeyCondition(
  expression: string,
  names: Record<string, string>,
  values: Item,
  index: { readonly partitionKey: string; readonly sortKey: string },
): (entry: Entry) => boolean {
  const tests: { attribute: string; test: (value: string) => boolean }[] = [];
  const name = (token: string) => (token.startsWith('#') ? names[token] : token) ?? token;
  const value = (token: string) => {
    const found = values[token]?.S;
    if (found === undefined) throw new Error(`key condition value ${token} is not a string`);
    return found;
  };
  const part = /^\s*(?:begins_with\s*\(\s*([#\w.]+)\s*,\s*(:\w+)\s*\)|([#\w.]+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+)|([#\w.]+)\s*(=|<=|>=|<|>)\s*(:\w+))\s*(AND\s|$)/i;
  let rest = expression;
  while (rest.trim().length > 0) {
    const match = part.exec(rest);
    if (!match) throw new Error(`the index-lag proxy does not understand the key condition "${expression}"`);
    const [whole, prefixName, prefixValue, betweenName, low, high, compareName, operator, compared] = match;
    if (prefixName && prefixValue) {
      const prefix = value(prefixValue);
      tests.push({ attribute: name(prefixName), test: (v) => v.startsWith(prefix) });
    } else if (betweenName && low && high) {
      const [from, to] = [Buffer.from(value(low)), Buffer.from(value(high))];
      tests.push({ attribute: name(betweenName), test: (v) => Buffer.compare(Buffer.from(v), from) >= 0 && Buffer.compare(Buffer.from(v), to) <= 0 });
    } else if (compareName && operator && compared) {
      const other = Buffer.from(value(compared));
      const check = COMPARISONS[operator as keyof typeof COMPARISONS];
      tests.push({ attribute: name(compareName), test: (v) => check(Buffer.compare(Buffer.from(v), other)) });
    }
    rest = rest.slice(whole.length);
  }
  for (const { attribute } of tests) {
    if (attribute !== index.partitionKey && attribute !== index.sortKey) throw new Error(`${attribute} is not a key of the index`);
  }
  return (entry) => tests.every(({ attribute, test }) => test(attribute === index.partitionKey ? entry.partition : entry.sort));
}
