import { createHash } from 'node:crypto';
import { BatchGetCommand, DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { writeIf } from './conditional';
import { epochSeconds, keys } from './table-design';

/** What is counted (`login-pair`, `register-source`, …) and of whom (an identifier, an address, both). */
export interface CounterKey {
  readonly scope: string;
  readonly subject: string;
}

/** Failures of one key (times in epoch milliseconds). The count is forgotten at `expiresAt`. */
export interface FailureCount {
  readonly failures: number;
  readonly lastFailureAt: number;
  readonly expiresAt: number;
}

/** Counters for the abuse limits, every change an atomic UpdateItem (no transactions, no Scan). */
export interface AbuseCounters {
  /** The live counts of `counters`, in order. An expired count reads as none: TTL deletes lazily (dynalite never). */
  read(counters: readonly CounterKey[], now: Date): Promise<(FailureCount | undefined)[]>;
  /**
   * Adds one failure only if the count is still the one `seen` (none, or the same failures and last failure):
   * compare-and-add, so of requests racing on one count each sees a different one. `false` when another won.
   */
  addIfUnchanged(counter: CounterKey, seen: FailureCount | undefined, now: Date, memorySeconds: number): Promise<boolean>;
  /** Adds one failure (an expired count restarts at one) and returns the new count. */
  addFailure(counter: CounterKey, now: Date, memorySeconds: number): Promise<FailureCount>;
  clear(counter: CounterKey): Promise<void>;
  /**
   * Adds one attempt to the key's window and returns the window's total and end. A window opens at the key's
   * first attempt and lasts `windowSeconds`; the first attempt after it ends opens the next.
   */
  addToWindow(counter: CounterKey, now: Date, windowSeconds: number): Promise<WindowCount>;
}

/** Attempts of one key in its current window, which ends at `endsAt` (epoch milliseconds). */
export interface WindowCount {
  readonly attempts: number;
  readonly endsAt: number;
}

/** One UpdateItem's expression with the names and values it uses (DynamoDB refuses unused ones). */
interface Update {
  readonly expression: string;
  readonly names?: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/** Identifiers and addresses are personal data: items are keyed by a hash of them, never the value. */
const keyOf = (counter: CounterKey) => keys.abuseCounter(counter.scope, createHash('sha256').update(counter.subject).digest('base64url'));

const isLive = (item: Record<string, unknown> | undefined, now: Date) => item !== undefined && Number(item.expiresAt) > now.getTime();

const toCount = (item: Record<string, unknown>): FailureCount => ({
  failures: Number(item.failures),
  lastFailureAt: Number(item.lastFailureAt),
  expiresAt: Number(item.expiresAt),
});

/** Expired counts stay a little past their expiry for DynamoDB's TTL to purge; the code never reads them. */
const ttlOf = (expiresAt: number) => epochSeconds(new Date(expiresAt)) + 60;

export function createAbuseCountersRepository(db: DynamoDBDocumentClient, tableName: string): AbuseCounters {
  /** The next count's expiry and the attribute values every failure write sets. */
  const failureValues = (now: Date, memorySeconds: number) => {
    const expiresAt = now.getTime() + memorySeconds * 1000;
    return { ':one': 1, ':now': now.getTime(), ':expiresAt': expiresAt, ':ttl': ttlOf(expiresAt) };
  };
  const addFailureUpdate = (now: Date, memorySeconds: number): Update => ({
    expression: 'SET lastFailureAt = :now, expiresAt = :expiresAt, #ttl = :ttl ADD failures :one',
    names: { '#ttl': 'ttl' },
    values: failureValues(now, memorySeconds),
  });
  const restartFailuresUpdate = (now: Date, memorySeconds: number): Update => ({
    expression: 'SET failures = :one, lastFailureAt = :now, expiresAt = :expiresAt, #ttl = :ttl',
    names: { '#ttl': 'ttl' },
    values: failureValues(now, memorySeconds),
  });

  /** Applies `update` to the key's item only while it is live; its new attributes, or undefined when it was not. */
  const updateLive = async (counter: CounterKey, now: Date, update: Update) => {
    let attributes: Record<string, unknown> | undefined;
    const live = await writeIf(async () => {
      const result = await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keyOf(counter),
          UpdateExpression: update.expression,
          ConditionExpression: 'expiresAt > :now',
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: { ...update.values, ':now': now.getTime() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = result.Attributes;
    });
    return live ? attributes : undefined;
  };

  /** Restarts an absent or expired item with `update`; `false` when a live item exists (someone restarted it first). */
  const restart = (counter: CounterKey, now: Date, update: Update) =>
    writeIf(() =>
      db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keyOf(counter),
          UpdateExpression: update.expression,
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: { ...update.values, ':now': now.getTime() },
        }),
      ),
    );

  /**
   * Adds to the live item, or restarts an absent or expired one; of two racing restarts one loses and adds
   * instead, so a few tries always settle. Returns the item as written.
   */
  const addOrRestart = async (counter: CounterKey, now: Date, add: Update, fresh: Update, restarted: Record<string, unknown>) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const added = await updateLive(counter, now, add);
      if (added) return added;
      if (await restart(counter, now, fresh)) return restarted;
    }
    throw new Error(`abuse counter ${counter.scope} kept changing under five tries`);
  };

  return {
    async read(counters, now) {
      const wanted = counters.map((counter) => keyOf(counter));
      const found: Record<string, unknown>[] = [];
      let pending: Record<string, unknown>[] = [...new Map(wanted.map((key) => [key.pk, key])).values()];
      // BatchGet may hand back unprocessed keys under load; three keys take at most a few more tries.
      for (let attempt = 0; pending.length > 0 && attempt < 5; attempt++) {
        const result = await db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }));
        found.push(...(result.Responses?.[tableName] ?? []));
        pending = (result.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
      if (pending.length > 0) throw new Error('DynamoDB left keys unprocessed after retries');
      return wanted.map((key) => {
        const item = found.find((candidate) => candidate.pk === key.pk && candidate.sk === key.sk);
        return item && isLive(item, now) ? toCount(item) : undefined;
      });
    },

    async addIfUnchanged(counter, seen, now, memorySeconds) {
      if (!seen) return restart(counter, now, restartFailuresUpdate(now, memorySeconds));
      const update = addFailureUpdate(now, memorySeconds);
      return writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keyOf(counter),
            UpdateExpression: update.expression,
            ConditionExpression: 'failures = :seenFailures AND lastFailureAt = :seenLast AND expiresAt > :now',
            ExpressionAttributeNames: update.names,
            ExpressionAttributeValues: { ...update.values, ':seenFailures': seen.failures, ':seenLast': seen.lastFailureAt },
          }),
        ),
      );
    },

    async addFailure(counter, now, memorySeconds) {
      const { ':now': lastFailureAt, ':expiresAt': expiresAt } = failureValues(now, memorySeconds);
      const item = await addOrRestart(counter, now, addFailureUpdate(now, memorySeconds), restartFailuresUpdate(now, memorySeconds), {
        failures: 1,
        lastFailureAt,
        expiresAt,
      });
      return toCount(item);
    },

    async clear(counter) {
      await db.send(new DeleteCommand({ TableName: tableName, Key: keyOf(counter) }));
    },

    async addToWindow(counter, now, windowSeconds) {
      // The window's end is fixed when it opens: attempts inside it add to the count and never move the end.
      const endsAt = now.getTime() + windowSeconds * 1000;
      const item = await addOrRestart(
        counter,
        now,
        { expression: 'ADD attempts :one', values: { ':one': 1 } },
        { expression: 'SET attempts = :one, expiresAt = :expiresAt, #ttl = :ttl', names: { '#ttl': 'ttl' }, values: { ':one': 1, ':expiresAt': endsAt, ':ttl': ttlOf(endsAt) } },
        { attempts: 1, expiresAt: endsAt },
      );
      return { attempts: Number(item.attempts), endsAt: Number(item.expiresAt) };
    },
  };
}
