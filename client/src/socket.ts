import { SessionEndedError } from './errors';
import type { HaloClient } from './client';
import type { AvatarChanged, AvatarRejected, GatewayError, IdentifiersChanged, PasswordChanged, Pong, Reconnect, ServerMessage, SessionEnded, SocketError, UserDeleted } from './types';

/** The least of a WebSocket this needs: the browser's, Node 22's, or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

/** The events a LiveSocket emits, by name, with what each listener receives. */
export interface LiveSocketEvents {
  'avatar.changed': AvatarChanged['data'];
  'avatar.rejected': AvatarRejected['data'];
  'user.deleted': UserDeleted;
  /**
   * The session this socket was opened with ended (revoked, reused, expired, signed_out, password_changed,
   * session_limit): the socket stays closed.
   */
  'session.ended': SessionEnded['data'];
  /** Halo is closing this socket and asks for a new one: the close that follows reconnects as usual. */
  reconnect: Reconnect;
  /** The password was changed from this session: every other session has ended; this one stays signed in. */
  'password.changed': PasswordChanged['data'];
  /** An identifier was added to or removed from the account: every identifier it has now. */
  'identifiers.changed': IdentifiersChanged['data'];
  pong: Pong;
  /** An `{"type":"error"}` message from Halo (a bad message sent by this client). */
  error: SocketError['data'];
  /** API Gateway's own error frame (`{"message":"Internal server error",…}`). */
  'gateway.error': GatewayError;
  /** Any message, parsed, before the typed event. */
  message: ServerMessage | GatewayError;
  open: { attempt: number };
  /** The socket closed; `reconnectInMs` is set when another attempt is scheduled. */
  close: { code: number; reason: string; reconnectInMs?: number; why?: string };
  /** The session is over (refresh refused, user deleted): the socket stays closed. */
  ended: { reason: string };
}

export interface LiveSocketOptions {
  readonly client: HaloClient;
  /** Default: globalThis.WebSocket. In Node 20, pass the `ws` package's WebSocket. */
  readonly WebSocket?: WebSocketConstructor;
  /** Keep-alive: `{"action":"ping"}` this often (default 4 minutes; API Gateway closes idle sockets after 10). */
  readonly pingIntervalMs?: number;
  /** Reconnection back-off: full jitter between 0 and min(max, base × 2^attempt) (defaults 1 s and 30 s). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Injectable randomness for the jitter (tests). */
  readonly random?: () => number;
}

const OPEN = 1;
type Listener<T> = (value: T) => void;

/**
 * The live socket, as a browser app wants it: token in the `halo.bearer` subprotocol, a ping every few
 * minutes, and on any close a reconnect with jittered exponential back-off. Before reconnecting after a
 * failure it works out what the browser cannot see (a refused handshake is close code 1006 whether the
 * answer was 401 or 429): it asks Halo about the token (HttpClient.diagnose) and refreshes it, or waits
 * out `Retry-After`, as docs/asyncapi.yaml asks clients to.
 */
export class LiveSocket {
  private socket: WebSocketLike | undefined;
  private readonly listeners = new Map<string, Set<Listener<never>>>();
  private attempt = 0;
  private stopped = false;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly client: HaloClient;
  private readonly WebSocket: WebSocketConstructor;
  private readonly options: LiveSocketOptions;

  constructor(options: LiveSocketOptions) {
    this.options = options;
    this.client = options.client;
    const implementation = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!implementation) throw new Error('no WebSocket here: pass one (in Node 20, the `ws` package\'s) as options.WebSocket');
    this.WebSocket = implementation;
    void this.open();
  }

  on<K extends keyof LiveSocketEvents>(event: K, listener: Listener<LiveSocketEvents[K]>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as Listener<never>);
    this.listeners.set(event, set);
    return () => set.delete(listener as Listener<never>);
  }

  /** The next event of a kind, as a promise (handy in tests and one-off waits). */
  next<K extends keyof LiveSocketEvents>(event: K, accept: (value: LiveSocketEvents[K]) => boolean = () => true): Promise<LiveSocketEvents[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (value) => {
        if (!accept(value)) return;
        off();
        resolve(value);
      });
    });
  }

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN;
  }

  /** Sends `{"action":"ping"}`; Halo answers `{"type":"pong"}`. */
  ping(): void {
    if (this.isOpen) this.socket?.send(JSON.stringify({ action: 'ping' }));
  }

  /** Closes for good: no reconnection. */
  close(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.socket?.close(1000, 'client closed');
  }

  private emit<K extends keyof LiveSocketEvents>(event: K, value: LiveSocketEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as Listener<LiveSocketEvents[K]>)(value);
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    let token: string;
    try {
      token = await this.client.accessToken();
    } catch (error) {
      if (error instanceof SessionEndedError) return this.end('the session is over: sign in again');
      return this.scheduleReconnect(1006, '', 'Halo could not be reached');
    }
    if (this.stopped) return;
    const socket = new this.WebSocket(this.client.socketUrl, ['halo.bearer', token]);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.emit('open', { attempt: this.attempt });
      this.attempt = 0;
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs ?? 4 * 60_000);
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = () => undefined; // the close that follows says what there is to say
    socket.onclose = (event) => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket) return;
      void this.closed(event.code, event.reason, opened);
    };
  }

  private receive(data: unknown): void {
    let message: ServerMessage | GatewayError;
    try {
      message = JSON.parse(typeof data === 'string' ? data : String(data)) as ServerMessage | GatewayError;
    } catch {
      return;
    }
    this.emit('message', message);
    if (!('type' in message)) return this.emit('gateway.error', message);
    switch (message.type) {
      case 'avatar.changed':
        return this.emit('avatar.changed', message.data);
      case 'avatar.rejected':
        return this.emit('avatar.rejected', message.data);
      case 'identifiers.changed':
        return this.emit('identifiers.changed', message.data);
      case 'pong':
        return this.emit('pong', message);
      case 'error':
        return this.emit('error', message.data);
      case 'user.deleted':
        this.emit('user.deleted', message);
        return this.end('the account was deleted');
      case 'reconnect':
        // Nothing to do but let the close come: a server close after a working connection reconnects (below).
        return this.emit('reconnect', message);
      case 'password.changed':
        return this.emit('password.changed', message.data);
      case 'session.ended':
        // Reconnecting with this session's token would only be refused: the user signs in again.
        this.emit('session.ended', message.data);
        return this.end(`the session ended (${message.data.reason}): sign in again`);
    }
  }

  private async closed(code: number, reason: string, opened: boolean): Promise<void> {
    if (this.stopped) return;
    // A close the server chose (1000/1001) after a working connection: reconnect with the token as it is.
    if (opened && code !== 1006) return this.scheduleReconnect(code, reason, 'the server closed the socket');
    const { verdict, retryAfterSeconds } = await this.client.diagnose();
    if (verdict === 'unauthorized') {
      try {
        await this.client.refresh(await this.client.tokenStore.get() ?? undefined);
      } catch (error) {
        if (error instanceof SessionEndedError) return this.end('the session is over: sign in again');
      }
      return this.scheduleReconnect(code, reason, 'the token was refused: refreshed it');
    }
    if (verdict === 'throttled') return this.scheduleReconnect(code, reason, 'throttled (429)', (retryAfterSeconds ?? 1) * 1000);
    return this.scheduleReconnect(code, reason, verdict === 'unreachable' ? 'Halo could not be reached' : 'the connection failed');
  }

  private scheduleReconnect(code: number, reason: string, why: string, atLeastMs = 0): void {
    if (this.stopped) return;
    const base = this.options.backoffBaseMs ?? 1000;
    const max = this.options.backoffMaxMs ?? 30_000;
    const ceiling = Math.min(max, base * 2 ** this.attempt);
    const delay = Math.max(atLeastMs, Math.floor((this.options.random ?? Math.random)() * ceiling));
    this.attempt += 1;
    this.emit('close', { code, reason, reconnectInMs: delay, why });
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }

  private end(reason: string): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.socket?.close(1000, 'session ended');
    this.emit('ended', { reason });
  }
}
