import { ApiGatewayManagementApiServiceException, GoneException } from '@aws-sdk/client-apigatewaymanagementapi';
import { InternalServerError, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { S3ServiceException } from '@aws-sdk/client-s3';

/**
 * Fails chosen AWS SDK calls of real clients (DynamoDB on dynalite, S3 on the local S3, the
 * `@connections` API on a local server) with the errors those services really produce.
 *
 * The middleware sits in the `initialize` step, above the SDK's own retry middleware: an injected
 * error is what the caller sees once the SDK has given up retrying, so the SDK does not retry it.
 * A fault has a timing:
 * - `before`: the request never reaches the service (throttled, 5xx, connection refused);
 * - `after`: the service applies the request and the reply is lost (a connection reset while reading
 *   it). This is the case that finds non-idempotent retries and clean-ups that undo a success.
 *
 * One injector may watch several clients, so "the i-th call" counts across services, in the order
 * the code under test makes them.
 */

export type Service = 'DynamoDB' | 'S3' | '@connections';

export interface SdkCall {
  readonly service: Service;
  /** The wire operation without the `Command` suffix: `PutItem`, `ListObjectsV2`, `PostToConnection`. */
  readonly operation: string;
  /** The command's input as the middleware sees it (for DynamoDB, possibly already marshalled). */
  readonly input: Record<string, unknown>;
}

export type FaultTiming = 'before' | 'after';

export interface Fault {
  readonly timing?: FaultTiming;
  /** Defaults to the service's usual outage error (see `outageError`), or a connection reset for `after`. */
  readonly error?: (call: SdkCall) => Error;
}

type Middleware = (
  next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
  context: { clientName?: string; commandName?: string },
) => (args: { input: Record<string, unknown> }) => Promise<unknown>;

/** Any SDK v3 client (each client's stack is typed to its own commands, hence the loose signature). */
interface Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the stacks of different clients share no narrower type
  readonly middlewareStack: { add(middleware: any, options: any): void };
}

interface Rule {
  readonly match: (call: SdkCall, index: number) => boolean;
  readonly fault: Fault;
  remaining: number;
}

interface Hold {
  readonly match: (call: SdkCall) => boolean;
  readonly release: Promise<unknown>;
  readonly reached: () => void;
  used: boolean;
}

const SERVICES: Record<string, Service> = {
  DynamoDBClient: 'DynamoDB',
  S3Client: 'S3',
  ApiGatewayManagementApiClient: '@connections',
};

/** Operations that change something: only for those does an `after` fault differ from a `before` one. */
export const isWrite = (call: Pick<SdkCall, 'operation'>) =>
  /^(Put|Update|Delete|BatchWrite|PostToConnection|DeleteConnection|CopyObject|CompleteMultipartUpload)/.test(call.operation);

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'injected-fault', attempts: 3, totalRetryDelay: 150 });

/** DynamoDB throttling as the SDK reports it once its retries are spent (HTTP 400). */
export const throughputExceeded = () =>
  new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: metadata(400) });

export const dynamoInternalError = () => new InternalServerError({ message: 'Internal server error', $metadata: metadata(500) });

/** S3's 500 and 503, which carry their code as the error name. */
export const s3Error = (name: 'InternalError' | 'ServiceUnavailable' | 'SlowDown') =>
  new S3ServiceException({
    name,
    $fault: 'server',
    message: name === 'InternalError' ? 'We encountered an internal error. Please try again.' : 'Please reduce your request rate.',
    $metadata: metadata(name === 'InternalError' ? 500 : 503),
  });

export const connectionGone = () => new GoneException({ message: 'Connection is gone', $metadata: metadata(410) });

/** A 500 from `@connections` (API Gateway's own trouble, not the socket's). */
export const connectionsInternalError = () =>
  new ApiGatewayManagementApiServiceException({ name: 'InternalServerErrorException', $fault: 'server', message: 'Internal server error', $metadata: metadata(500) });

/** What Node's HTTP client throws when the peer resets the connection (the SDK passes it through). */
export const networkReset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', name: 'Error', $metadata: { attempts: 3 } });

/** The error a service most typically fails with in an outage. */
export function outageError(call: SdkCall): Error {
  switch (call.service) {
    case 'DynamoDB':
      return call.operation.startsWith('Get') || call.operation === 'Query' ? throughputExceeded() : dynamoInternalError();
    case 'S3':
      return s3Error(call.operation === 'PutObject' ? 'ServiceUnavailable' : 'InternalError');
    case '@connections':
      return connectionsInternalError();
  }
}

export interface FaultInjector {
  /** Every call made through the watched clients since the last `reset()`, in order. */
  readonly calls: SdkCall[];
  /** Fails the `n`-th call (1-based) counted from the last `reset()`. */
  failCall(n: number, fault?: Fault): void;
  /** Fails the calls that match, `times` times (default once). */
  failWhen(match: (call: SdkCall) => boolean, fault?: Fault, times?: number): void;
  /**
   * Pauses the first call that matches until `release` settles; resolves once that call is reached.
   * How a test forces one interleaving of two racing flows.
   */
  holdWhen(match: (call: SdkCall) => boolean, release: Promise<unknown>): Promise<void>;
  /** How many injected faults have fired since the last `reset()`. */
  readonly fired: number;
  /**
   * The calls that were failed, in order. Flows that send in parallel may not make their calls in the
   * same order every run, so this (not the call of a baseline run) says which one it was.
   */
  readonly faulted: SdkCall[];
  /** Forgets calls, rules and holds. */
  reset(): void;
}

export function injectFaults(...clients: Client[]): FaultInjector {
  const calls: SdkCall[] = [];
  const faulted: SdkCall[] = [];
  let rules: Rule[] = [];
  let holds: Hold[] = [];
  let fired = 0;

  const middleware: Middleware = (next, context) => async (args) => {
    const call: SdkCall = {
      service: SERVICES[context.clientName ?? ''] ?? (context.clientName as Service),
      operation: String(context.commandName).replace(/Command$/, ''),
      input: args.input,
    };
    calls.push(call);
    const index = calls.length;
    const hold = holds.find((candidate) => !candidate.used && candidate.match(call));
    if (hold) {
      hold.used = true;
      hold.reached();
      await hold.release.catch(() => undefined);
    }
    const rule = rules.find((candidate) => candidate.remaining > 0 && candidate.match(call, index));
    if (!rule) return next(args);
    rule.remaining--;
    fired++;
    // A reply is lost to a connection reset; a request that never arrived gets the service's outage error.
    const error = (rule.fault.error ?? (rule.fault.timing === 'after' ? networkReset : outageError))(call);
    faulted.push(call);
    // Applied, then the reply lost: whatever the service answered (even an error of its own), the caller sees the fault.
    if (rule.fault.timing === 'after') await next(args).catch(() => undefined);
    throw error;
  };
  for (const client of clients) {
    client.middlewareStack.add(middleware, { step: 'initialize', name: 'haloFaultInjector', priority: 'high', override: true });
  }

  return {
    calls,
    faulted,
    get fired() {
      return fired;
    },
    failCall(n, fault = {}) {
      rules.push({ match: (_call, index) => index === n, fault, remaining: 1 });
    },
    failWhen(match, fault = {}, times = 1) {
      rules.push({ match: (call) => match(call), fault, remaining: times });
    },
    holdWhen(match, release) {
      return new Promise<void>((reached) => holds.push({ match, release, reached, used: false }));
    },
    reset() {
      calls.length = 0;
      faulted.length = 0;
      rules = [];
      holds = [];
      fired = 0;
    },
  };
}

/** A short label for test names and failure messages: `3:DynamoDB:PutItem`. */
export const describeCall = (call: SdkCall, index: number) => `${index}:${call.service}:${call.operation}`;

/** Whether a call's input mentions `text` anywhere (a key prefix, a connection id, an object key). */
export const mentions = (call: SdkCall, text: string) => JSON.stringify(call.input).includes(text);
