import { HaloError, SessionEndedError, errorFromAnswer } from './errors';
import { expiryOf } from './jwt';
import { createRefreshLock } from './refresh-lock';
import { LiveSocket, type LiveSocketOptions } from './socket';
import { memoryTokenStore, type StoredTokens, type TokenStore } from './token-store';
import { send, type Answer, type FetchLike, type SendOptions } from './transport';
import type { AccountExport, PresignedUpload, Session, TokenPair, User, UserSession } from './types';

export interface HaloClientOptions {
  /** Halo's base URL, e.g. `http://localhost:3000` or the API URL of a deployment. */
  readonly baseUrl: string;
  /** The socket URL (`ws://localhost:3000/ws`, `wss://….execute-api….amazonaws.com/live`). Default: baseUrl's `/ws`. */
  readonly socketUrl?: string;
  /** Where tokens live. Default: memory. `localStorageTokenStore()` shares them between tabs. */
  readonly tokenStore?: TokenStore;
  /** Refresh this long before the access token expires (default 60 s). */
  readonly refreshMarginSeconds?: number;
  /** The name of the cross-tab refresh lock (Web Locks API). Default: derived from baseUrl. */
  readonly lockName?: string;
  readonly fetch?: FetchLike;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

export type ImageBody = Blob | Uint8Array;

export interface UploadOptions {
  /** The image's media type, when the body is bytes (a Blob/File carries its own). */
  readonly contentType?: string;
  readonly onProgress?: (fraction: number, loaded: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * A typed client for Halo: sign-up, login, logout, the profile, both avatar upload paths, account deletion
 * and the live socket, with tokens kept in a pluggable store and refreshed before they expire (one refresh
 * at a time, across the tabs of an origin too).
 */
export class HaloClient {
  readonly baseUrl: string;
  readonly socketUrl: string;
  readonly tokenStore: TokenStore;
  private readonly fetchImpl: FetchLike;
  private readonly marginMs: number;
  private readonly now: () => number;
  private readonly locked: <T>(work: () => Promise<T>) => Promise<T>;

  constructor(options: HaloClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.socketUrl = options.socketUrl ?? `${this.baseUrl.replace(/^http/, 'ws')}/ws`;
    this.tokenStore = options.tokenStore ?? memoryTokenStore();
    this.fetchImpl = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.marginMs = (options.refreshMarginSeconds ?? 60) * 1000;
    this.now = options.now ?? Date.now;
    this.locked = createRefreshLock(options.lockName ?? `halo-refresh ${this.baseUrl}`);
  }

  // -- Accounts ------------------------------------------------------------------------------------

  /** Creates an account (any identifier kind: email, phone, nickname) and signs it in. */
  async register(identifier: string, password: string): Promise<User> {
    const session = await this.json<Session>('POST', '/api/register', { identifier, password });
    await this.keep(session);
    return session.user;
  }

  async login(identifier: string, password: string): Promise<User> {
    const session = await this.json<Session>('POST', '/api/login', { identifier, password });
    await this.keep(session);
    return session.user;
  }

  /** Ends the session on the server (RFC 7009 revocation) and forgets the tokens, even if the server cannot be reached. */
  async logout(): Promise<void> {
    const tokens = await this.tokenStore.get();
    await this.tokenStore.set(null);
    if (!tokens) return;
    const answer = await this.call('/oauth/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refreshToken, token_type_hint: 'refresh_token' }).toString(),
    });
    if (answer.status !== 200) throw this.errorOf(answer);
  }

  async getUser(): Promise<User> {
    return (await this.authorized<{ user: User }>('GET', '/api/user')).user;
  }

  /** Everything Halo stores about the user, without secrets (GET /api/user/export), to save or hand on. */
  async exportAccount(): Promise<AccountExport> {
    return (await this.authorized<{ export: AccountExport }>('GET', '/api/user/export')).export;
  }

  /**
   * Adds a nickname, email or phone number to the account (at most one of each type); any of them logs in.
   * Throws a HaloError with status 409 when another account has it or the account already has one of its type.
   */
  async addIdentifier(identifier: string): Promise<User> {
    const body = new TextEncoder().encode(JSON.stringify({ identifier }));
    return (await this.authorized<{ user: User }>('POST', '/api/user/identifiers', body, { 'content-type': 'application/json' })).user;
  }

  /** Removes one of the account's identifiers, in any spelling (never the last one: 409); it is free for anyone at once. */
  async removeIdentifier(identifier: string): Promise<User> {
    return (await this.authorized<{ user: User }>('DELETE', `/api/user/identifiers/${encodeURIComponent(identifier)}`)).user;
  }

  /** Deletes the account and everything of it; the tokens are forgotten. */
  async deleteAccount(): Promise<void> {
    await this.authorized<null>('DELETE', '/api/user');
    await this.tokenStore.set(null);
  }

  // -- Password and sessions -----------------------------------------------------------------------

  /**
   * Changes the password: every other session (device) ends at once, this one stays signed in. A wrong
   * `currentPassword` is a 403 HaloError (counted like a failed login); a weak `newPassword` a 400.
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<{ endedSessions: number }> {
    return this.authorized('POST', '/api/user/password', jsonBytes({ currentPassword, newPassword }), { 'content-type': 'application/json' });
  }

  /** The account's live sessions, newest first; `current` marks this client's. */
  async listSessions(): Promise<UserSession[]> {
    return (await this.authorized<{ sessions: UserSession[] }>('GET', '/api/user/sessions')).sessions;
  }

  /**
   * Signs one device out (an `id` from `listSessions()`): its tokens stop working and its sockets close. Ending
   * this client's own session signs it out: its tokens are then forgotten too.
   */
  async endSession(sessionId: string): Promise<void> {
    const own = (await this.listSessions()).find((session) => session.current)?.id === sessionId;
    await this.authorized<null>('DELETE', `/api/user/sessions/${encodeURIComponent(sessionId)}`);
    if (own) await this.tokenStore.set(null);
  }

  /** Signs out every other device; this one stays signed in. */
  async endOtherSessions(): Promise<{ endedSessions: number }> {
    return this.authorized('DELETE', '/api/user/sessions');
  }

  /** Whether tokens are stored (they may still have been revoked elsewhere). */
  async isSignedIn(): Promise<boolean> {
    return Boolean(await this.tokenStore.get());
  }

  // -- Avatars -------------------------------------------------------------------------------------

  /** Through Halo: one request, the image checked and stored before the answer (up to about 4.6 MB). */
  async uploadAvatar(image: ImageBody, options: UploadOptions = {}): Promise<{ avatarUrl: string; user: User }> {
    const contentType = options.contentType ?? (image instanceof Blob ? image.type : '');
    return this.authorized('POST', '/api/user/avatar', image, { 'content-type': contentType || 'application/octet-stream' }, options);
  }

  /**
   * Direct to storage, in two steps: a presigned form from Halo, then the file straight to S3 (up to
   * `maxBytes`, 5 MB), with upload progress in browsers. Halo checks the image afterwards and announces
   * the outcome on the live socket (`avatar.changed` or `avatar.rejected`, with this `uploadId`).
   */
  async uploadAvatarDirect(image: ImageBody, options: UploadOptions = {}): Promise<{ uploadId: string; upload: PresignedUpload }> {
    const upload = await this.authorized<PresignedUpload>('POST', '/api/user/avatar/upload');
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    const blob = image instanceof Blob ? image : new Blob([image as Uint8Array<ArrayBuffer>], { type: options.contentType ?? 'application/octet-stream' });
    form.append('file', blob); // S3 requires the file to be the last field
    const answer = await send(this.fetchImpl, upload.url, { method: 'POST', body: form, onProgress: options.onProgress, signal: options.signal });
    if (answer.status < 200 || answer.status >= 300) {
      const message = /<Message>([^<]*)<\/Message>/.exec(answer.text)?.[1] ?? `storage answered ${answer.status}`;
      throw new HaloError(message, { status: answer.status, fields: { file: message } });
    }
    return { uploadId: (upload.fields.key ?? '').split('/').pop() ?? '', upload };
  }

  // -- Tokens --------------------------------------------------------------------------------------

  /**
   * A valid access token: the stored one, or a fresh one when it expires within the margin. Concurrent
   * callers (and other tabs sharing the store) cause a single refresh.
   */
  async accessToken(): Promise<string> {
    const tokens = await this.tokenStore.get();
    if (!tokens) throw new SessionEndedError('not signed in', { status: 401 });
    if (tokens.expiresAt - this.marginMs > this.now()) return tokens.accessToken;
    return (await this.refresh(tokens)).accessToken;
  }

  /**
   * Trades the refresh token for a new pair, once at a time. `seen` is the pair the caller found
   * wanting: if the store holds another by the time this runs, someone else refreshed, and that pair is used.
   */
  refresh(seen?: StoredTokens): Promise<StoredTokens> {
    return this.locked(async () => {
      const current = await this.tokenStore.get();
      if (!current) throw new SessionEndedError('not signed in', { status: 401 });
      if (seen && current.refreshToken !== seen.refreshToken && current.expiresAt - this.marginMs > this.now()) return current;
      const answer = await this.call('/api/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: current.refreshToken }),
      });
      if (answer.status === 401) {
        // Only forget the pair if nobody replaced it meanwhile.
        if ((await this.tokenStore.get())?.refreshToken === current.refreshToken) await this.tokenStore.set(null);
        const error = this.errorOf(answer);
        throw new SessionEndedError(error.message, { status: 401, fields: { ...error.fields }, jsend: error.jsend });
      }
      if (answer.status !== 200) throw this.errorOf(answer);
      return this.keep((JSON.parse(answer.text) as { data: TokenPair }).data);
    });
  }

  // -- Live socket ---------------------------------------------------------------------------------

  /** Opens the live socket (subprotocol auth), kept alive and reconnected until `close()`. */
  connect(options: Omit<LiveSocketOptions, 'client'> = {}): LiveSocket {
    return new LiveSocket({ ...options, client: this });
  }

  /**
   * Why a socket handshake failed, which a browser cannot see (every refusal is close code 1006): asks
   * Halo whether the token is still good. 'unauthorized' (expired, revoked: refresh), 'throttled' (429:
   * back off `retryAfterSeconds`), or 'ok' (the token is fine: a network problem or a socket limit).
   */
  async diagnose(): Promise<{ verdict: 'ok' | 'unauthorized' | 'throttled' | 'unreachable'; retryAfterSeconds?: number }> {
    const tokens = await this.tokenStore.get();
    if (!tokens) return { verdict: 'unauthorized' };
    if (tokens.expiresAt <= this.now()) return { verdict: 'unauthorized' };
    try {
      const answer = await this.call('/api/user', { method: 'GET', headers: { authorization: `Bearer ${tokens.accessToken}` } });
      if (answer.status === 401) return { verdict: 'unauthorized' };
      if (answer.status === 429) return { verdict: 'throttled', retryAfterSeconds: Number(answer.headers.get('retry-after')) || undefined };
      return { verdict: 'ok' };
    } catch {
      return { verdict: 'unreachable' };
    }
  }

  // -- Plumbing ------------------------------------------------------------------------------------

  private async keep(pair: TokenPair | Session): Promise<StoredTokens> {
    const expiresAt = expiryOf(pair.accessToken) ?? this.now() + pair.expiresIn * 1000;
    const tokens = { accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresAt };
    await this.tokenStore.set(tokens);
    return tokens;
  }

  private async call(path: string, options: SendOptions): Promise<Answer> {
    try {
      return await send(this.fetchImpl, `${this.baseUrl}${path}`, options);
    } catch (cause) {
      if ((cause as Error).name === 'AbortError') throw cause;
      throw new HaloError(`Halo could not be reached: ${(cause as Error).message}`, { status: 0, cause });
    }
  }

  private errorOf(answer: Answer): HaloError {
    let body: unknown;
    try {
      body = answer.text ? JSON.parse(answer.text) : undefined;
    } catch {
      body = undefined;
    }
    return errorFromAnswer(answer.status, answer.headers, body);
  }

  private async json<T>(method: string, path: string, body: unknown): Promise<T> {
    const answer = await this.call(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (answer.status < 200 || answer.status >= 300) throw this.errorOf(answer);
    return (JSON.parse(answer.text) as { data: T }).data;
  }

  /** A call with the access token; a 401 on a token believed good is answered by one refresh and one retry. */
  private async authorized<T>(method: string, path: string, body?: ImageBody, headers: Record<string, string> = {}, options: UploadOptions = {}): Promise<T> {
    const attempt = async (token: string) =>
      this.call(path, {
        method,
        headers: { ...headers, authorization: `Bearer ${token}` },
        body: body as SendOptions['body'],
        onProgress: options.onProgress,
        signal: options.signal,
      });
    const before = await this.tokenStore.get();
    let answer = await attempt(await this.accessToken());
    if (answer.status === 401 && before) answer = await attempt((await this.refresh(before)).accessToken);
    if (answer.status < 200 || answer.status >= 300) throw this.errorOf(answer);
    return (JSON.parse(answer.text) as { data: T }).data;
  }
}

/** A JSON body as bytes, for the authorized calls (whose bodies are bytes or blobs). */
const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
