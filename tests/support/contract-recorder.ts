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
}

const store = globalThis as typeof globalThis & { __haloContractRecording?: Recording };

export function recording(): Recording {
  store.__haloContractRecording ??= { exchanges: [], socketMessages: [] };
  return store.__haloContractRecording;
}

const headersOf = (headers: RequestInit['headers']): Record<string, string> => Object.fromEntries(new Headers(headers).entries());

/** `fetch`, recording the exchange; the response is returned unread. Also usable as a library's custom fetch. */
export async function recordingFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  const body = await response.clone().text();
  recording().exchanges.push({
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
