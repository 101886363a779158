import { AsyncLocalStorage } from 'node:async_hooks';
import { Server, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';

/**
 * Counts every AWS SDK call made in this process, per service and operation, by adding a middleware to
 * each client's middlewareStack the first time the client sends. Halo's clients are private to
 * functions/common/runtime/, so instead of reaching them the bench wraps `Client.prototype.send` of
 * the one @smithy/core the SDK packages share: no change to lib/ or functions/. DynamoDBDocumentClient
 * shares its stack with the DynamoDBClient it wraps, so each call is counted once, as the wire
 * operation (GetItem, not GetCommand).
 *
 * Calls are attributed to what caused them with AsyncLocalStorage: every HTTP request and WebSocket
 * upgrade that a server in this process receives runs under a label (see `labelServers`), and the
 * SDK call inherits the label of the request whose handler made it.
 */

export interface CallRecord {
  readonly service: string;
  readonly operation: string;
  readonly label: string;
  readonly ok: boolean;
  readonly attempts: number;
  /** From the command's start to its answer (or error), retries included. */
  readonly ms: number;
  /** DynamoDB on-demand billing units, estimated from the call (see `dynamoDbUnits`). */
  readonly readUnits: number;
  readonly writeUnits: number;
}

type Next = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>;
type Context = { clientName?: string; commandName?: string; haloBenchAttempts?: number };
type Stack = { add(middleware: unknown, options: Record<string, unknown>): void };
type SmithyClient = { middlewareStack: Stack; send(...args: unknown[]): Promise<unknown> };

const labels = new AsyncLocalStorage<string>();
const records: CallRecord[] = [];
let installed = false;

const SERVICE_NAMES: Record<string, string> = {
  DynamoDBClient: 'DynamoDB',
  S3Client: 'S3',
  ApiGatewayManagementApiClient: '@connections',
  SecretsManagerClient: 'SecretsManager',
};

/** Installs the counter; call before the first SDK client sends. */
export function installCallCounter(): void {
  if (installed) return;
  installed = true;
  // The SDK is CommonJS: this is the very module instance the clients extend.
  const require = createRequire(import.meta.url);
  const { Client } = require('@smithy/core/client') as { Client: { prototype: SmithyClient } };
  const counted = new WeakSet<Stack>();
  const send = Client.prototype.send;
  Client.prototype.send = function (this: SmithyClient, ...args: unknown[]) {
    if (!counted.has(this.middlewareStack)) {
      counted.add(this.middlewareStack);
      this.middlewareStack.add(countingMiddleware, { step: 'initialize', name: 'haloBenchCallCounter', priority: 'high', override: true });
      this.middlewareStack.add(wireMiddleware, { step: 'deserialize', name: 'haloBenchWire', priority: 'low', override: true });
    }
    return send.apply(this, args);
  };
}

/**
 * Counts commands that reach the wire. Presigning (getSignedUrl) runs a command through the stack too,
 * but stops before sending: the deserialize-step middleware below never runs for it, so it is not counted.
 */
const countingMiddleware = (next: Next, context: Context) => async (args: { input: Record<string, unknown> }) => {
  const service = SERVICE_NAMES[context.clientName ?? ''] ?? context.clientName ?? 'unknown';
  const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
  const label = labels.getStore() ?? 'unattributed';
  const start = performance.now();
  const keep = (ok: boolean, output: Record<string, unknown> | undefined) => {
    const attempts = context.haloBenchAttempts ?? 0;
    if (attempts === 0) return; // never sent: a presigned URL
    records.push({ service, operation, label, ok, attempts, ms: performance.now() - start, ...units(service, operation, args.input, output, ok) });
  };
  try {
    const result = await next(args);
    keep(true, result.output);
    return result;
  } catch (error) {
    keep(false, undefined);
    throw error;
  }
};

const wireMiddleware = (next: Next, context: Context) => async (args: { input: Record<string, unknown> }) => {
  context.haloBenchAttempts = (context.haloBenchAttempts ?? 0) + 1;
  return next(args);
};

const units = (service: string, operation: string, input: Record<string, unknown>, output: Record<string, unknown> | undefined, ok: boolean) =>
  service === 'DynamoDB' ? dynamoDbUnits(operation, input, output, ok) : { readUnits: 0, writeUnits: 0 };

/** Rough DynamoDB item size: attribute names and values as JSON, which over-estimates a little. */
const itemBytes = (item: unknown) => Buffer.byteLength(JSON.stringify(item ?? {}));
const perKb = (item: unknown) => Math.max(1, Math.ceil(itemBytes(item) / 1024));
const per4Kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));
/** Every Halo item carries the byUser index keys (gsi1pk); a keys-only index is written when an item appears or goes. */
const indexed = (item: unknown) => typeof item === 'object' && item !== null && 'gsi1pk' in item;

/**
 * On-demand request units as AWS bills them: a strongly consistent read is 1 RRU per 4 KB (a miss
 * still costs 1), an eventually consistent one (every GSI query) half that; a write is 1 WRU per KB,
 * plus 1 WRU for the byUser index when an item is created or deleted (updates never touch index keys
 * here); a write whose condition fails still costs 1 WRU. Item sizes are estimated from the request.
 */
function dynamoDbUnits(operation: string, input: Record<string, unknown>, output: Record<string, unknown> | undefined, ok: boolean) {
  const consistent = input.ConsistentRead === true ? 1 : 0.5;
  switch (operation) {
    case 'GetItem':
      return { readUnits: consistent * per4Kb(itemBytes(output?.Item)), writeUnits: 0 };
    case 'BatchGetItem': {
      const tables = Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>);
      const readUnits = tables.reduce((sum, table) => sum + (table.Keys?.length ?? 0) * (table.ConsistentRead ? 1 : 0.5), 0);
      return { readUnits, writeUnits: 0 };
    }
    case 'Query': {
      const items = (output?.Items ?? []) as unknown[];
      const bytes = items.reduce<number>((sum, item) => sum + itemBytes(item), 0);
      return { readUnits: (input.IndexName ? 0.5 : consistent) * per4Kb(bytes), writeUnits: 0 };
    }
    case 'PutItem':
      return { readUnits: 0, writeUnits: perKb(input.Item) + (ok && indexed(input.Item) ? 1 : 0) };
    case 'UpdateItem':
      return { readUnits: 0, writeUnits: 1 };
    case 'DeleteItem':
      // Every Halo item is in the byUser index; a delete that removes one also removes its index entry.
      return { readUnits: 0, writeUnits: 1 + (ok ? 1 : 0) };
    case 'BatchWriteItem': {
      const requests = Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>).flat().length;
      return { readUnits: 0, writeUnits: requests * 2 };
    }
    default:
      return { readUnits: 0, writeUnits: 0 };
  }
}

/** Runs `run` under a label: SDK calls it causes (directly or through what it awaits) carry it. */
export const withLabel = <T>(label: string, run: () => T): T => labels.run(label, run);

/**
 * Labels every HTTP request and upgrade that this process's servers receive, by the port they arrive on:
 * `name(req)` decides the label for a port, e.g. `POST /api/login` or `S3 event`.
 */
export function labelServers(byPort: ReadonlyMap<number, (req: IncomingMessage, event: 'request' | 'upgrade') => string>): void {
  const emit = Server.prototype.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'request' || event === 'upgrade') {
      const address = this.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const name = byPort.get(port);
      if (name) return labels.run(name(args[0] as IncomingMessage, event), () => emit.call(this, event, ...args));
    }
    return emit.call(this, event, ...args);
  } as typeof Server.prototype.emit;
}

/** Every call recorded while `run` ran (and until it settled), plus what `run` returned. */
export async function recordCalls<T>(run: () => Promise<T>): Promise<{ calls: CallRecord[]; value: T }> {
  const from = records.length;
  const value = await run();
  return { calls: records.slice(from), value };
}

export const recordedSince = (from: number) => records.slice(from);
export const recordCount = () => records.length;
