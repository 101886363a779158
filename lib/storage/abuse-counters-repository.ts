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
  /** Adds one to the counter of the window starting at `windowStart` and returns its new total. */
  addToWindow(counter: CounterKey, windowStart: Date, windowEnd: Date): Promise<number>;
}

/** Identifiers and addresses are personal data: items are keyed by a hash of them, never the value. */
const keyOf = (counter: CounterKey, sk?: string) =>
  keys.abuseCounter(counter.scope, createHash('sha256').update(counter.subject).digest('base64url'), sk);

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

  /** Restarts an absent or expired count at one failure; `false` when a live count exists (someone restarted it first). */
  const restart = (counter: CounterKey, now: Date, memorySeconds: number) =>
    writeIf(() =>
      db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keyOf(counter),
          UpdateExpression: 'SET failures = :one, lastFailureAt = :now, expiresAt = :expiresAt, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: failureValues(now, memorySeconds),
        }),
      ),
    );

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
      if (!seen) return restart(counter, now, memorySeconds);
      return writeIf(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keyOf(counter),
            UpdateExpression: 'SET lastFailureAt = :now, expiresAt = :expiresAt, #ttl = :ttl ADD failures :one',
            ConditionExpression: 'failures = :seenFailures AND lastFailureAt = :seenLast AND expiresAt > :now',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ...failureValues(now, memorySeconds), ':seenFailures': seen.failures, ':seenLast': seen.lastFailureAt },
          }),
        ),
      );
    },

    async addFailure(counter, now, memorySeconds) {
      // Add to a live count, or restart an expired one; of two racing restarts one loses and adds instead.
      for (let attempt = 0; attempt < 5; attempt++) {
        let added: FailureCount | undefined;
        const live = await writeIf(async () => {
          const { Attributes } = await db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keyOf(counter),
              UpdateExpression: 'SET lastFailureAt = :now, expiresAt = :expiresAt, #ttl = :ttl ADD failures :one',
              ConditionExpression: 'expiresAt > :now',
              ExpressionAttributeNames: { '#ttl': 'ttl' },
              ExpressionAttributeValues: failureValues(now, memorySeconds),
              ReturnValues: 'ALL_NEW',
            }),
          );
          added = Attributes && toCount(Attributes);
        });
        if (live && added) return added;
        if (await restart(counter, now, memorySeconds)) {
          const { ':now': lastFailureAt, ':expiresAt': expiresAt } = failureValues(now, memorySeconds);
          return { failures: 1, lastFailureAt, expiresAt };
        }
      }
      throw new Error(`failure count ${counter.scope} kept changing under five tries`);
    },

    async clear(counter) {
      await db.send(new DeleteCommand({ TableName: tableName, Key: keyOf(counter) }));
    },

    async addToWindow(counter, windowStart, windowEnd) {
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName: tableName,
          // One item per window: a new window is a new key, so an old count is never read again.
          Key: keyOf(counter, `W#${epochSeconds(windowStart)}`),
          UpdateExpression: 'SET expiresAt = :expiresAt, #ttl = :ttl ADD attempts :one',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':one': 1, ':expiresAt': windowEnd.getTime(), ':ttl': ttlOf(windowEnd.getTime()) },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.attempts);
    },
  };
}
