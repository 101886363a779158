import WebSocket from 'ws';
import { recordSocketMessage } from './contract-recorder';

/** A WebSocket client that records everything it receives, for the end-to-end tests. */
export interface TestSocket {
  readonly socket: WebSocket;
  readonly messages: unknown[];
  /** Resolves with the first matching message received at or after index `since` (default: any, past or future). */
  next(match: (message: any) => boolean, since?: number): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export interface SocketOptions {
  /**
   * Every message received is validated against docs/asyncapi.yaml after the test file (the contract
   * check). Only a test that injects messages of its own (through the @connections API) turns that off.
   */
  readonly contract?: boolean;
}

/** Connects the way a browser must: the access token rides as the second offered subprotocol. */
export function openSocket(
  url: string,
  accessToken: string,
  how: 'subprotocol' | 'query' = 'subprotocol',
  { contract = true }: SocketOptions = {},
): Promise<TestSocket> {
  const socket =
    how === 'subprotocol' ? new WebSocket(url, ['halo.bearer', accessToken]) : new WebSocket(`${url}?access_token=${encodeURIComponent(accessToken)}`);
  const messages: unknown[] = [];
  const waiters: { match: (m: unknown) => boolean; done: (m: unknown) => void }[] = [];
  socket.on('message', (data: Buffer) => {
    if (contract) recordSocketMessage(url, data.toString());
    const message: unknown = JSON.parse(data.toString());
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.done(message);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((done) =>
    socket.once('close', (code: number, reason: Buffer) => done({ code, reason: reason.toString() })),
  );

  return new Promise((resolve, reject) => {
    socket.once('open', () =>
      resolve({
        socket,
        messages,
        closed,
        close: () => socket.close(),
        next: (match, since = 0) => {
          const timeoutMs = 10_000;
          const seen = messages.slice(since).find(match);
          if (seen) return Promise.resolve(seen);
          return new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`)), timeoutMs);
            waiters.push({ match, done: (m) => (clearTimeout(timer), done(m)) });
          });
        },
      }),
    );
    socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`handshake refused: ${res.statusCode}`), { status: res.statusCode })));
    socket.once('error', reject);
  });
}
