import { createHash } from 'node:crypto';

/**
 * What the end-to-end tests saw on the wire, kept for the contract check (tests/support/contract-check.ts),
 * which validates all of it against docs/openapi.yaml and docs/asyncapi.yaml after each test file.
 * Kept on globalThis so that every module instance in a test file shares one record.
 */
export interface RecordedExchange {
  readonly method: string;
  readonly url: string;
  readonly requestHeaders: Record<string, string>;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** fetch followed a redirect: the answer is not Halo's (the avatar redirect leads to S3). */
  readonly redirected: boolean;
}

export interface RecordedSocketMessage {
  readonly url: string;
  readonly data: string;
}

interface Recording {
  exchanges: RecordedExchange[];
  socketMessages: RecordedSocketMessage[];
  /** Fingerprints of the exchanges kept, so that a repeat (a fuzz test's thousandth identical 401) is kept once. */
  seen?: Set<string>;
}

const store = globalThis as typeof globalThis & { __haloContractRecording?: Recording };

export function recording(): Recording {
  store.__haloContractRecording ??= { exchanges: [], socketMessages: [] };
  return store.__haloContractRecording;
}

const headersOf = (headers: RequestInit['headers']): Record<string, string> => Object.fromEntries(new Headers(headers).entries());

// What differs between two answers that the contract check judges alike.
const PER_ANSWER_HEADERS = new Set(['date', 'apigw-requestid']);

/**
 * Keeps an exchange for the contract check unless an identical one (same method, path, status, headers and
 * body) is already kept: its verdict could not differ. This bounds the record when property-based tests send
 * thousands of requests that mostly get the same few answers; every distinct answer is still checked.
 */
export function recordExchange(exchange: RecordedExchange): void {
  const { exchanges, seen = new Set<string>() } = recording();
  recording().seen = seen;
  const headers = Object.entries(exchange.headers).filter(([name]) => !PER_ANSWER_HEADERS.has(name));
  const preflight = exchange.method === 'OPTIONS' && 'access-control-request-method' in exchange.requestHeaders;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([exchange.method, new URL(exchange.url).pathname, preflight, exchange.status, exchange.redirected, headers, exchange.body]))
    .digest('base64');
  if (seen.has(fingerprint)) return;
  seen.add(fingerprint);
  exchanges.push(exchange);
}

/** `fetch`, recording the exchange; the response is returned unread. Also usable as a library's custom fetch. */
export async function recordingFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  const body = await response.clone().text();
  recordExchange({
    method: (init.method ?? 'GET').toUpperCase(),
    url: String(url),
    requestHeaders: headersOf(init.headers),
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body,
    redirected: response.redirected,
  });
  return response;
}

export function recordSocketMessage(url: string, data: string): void {
  recording().socketMessages.push({ url, data });
}
