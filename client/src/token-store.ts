/** What the client keeps between calls: the token pair and when the access token expires. */
export interface StoredTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Epoch milliseconds at which the access token expires. */
  readonly expiresAt: number;
}

/**
 * Where tokens live. Pluggable: memory (the default), localStorage (shared by the tabs of one origin), or
 * anything else (a mobile app's secure storage, IndexedDB). May be synchronous or asynchronous.
 */
export interface TokenStore {
  get(): StoredTokens | null | Promise<StoredTokens | null>;
  set(tokens: StoredTokens | null): void | Promise<void>;
}

/** Tokens kept in this page or process only: gone on reload. */
export function memoryTokenStore(initial: StoredTokens | null = null): TokenStore {
  let tokens = initial;
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next;
    },
  };
}

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Tokens in `localStorage` (or any Storage): every tab of the origin shares them, so a refresh made by one
 * tab is seen by the others. Anything a script on the origin runs can read them: keep the origin's
 * scripts trusted (a Content-Security-Policy), as with any token a browser app holds.
 */
export function localStorageTokenStore(key = 'halo.tokens', storage?: StorageLike): TokenStore {
  const target = (): StorageLike => {
    const found = storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
    if (!found) throw new Error('localStorage is not available here: use memoryTokenStore() or a store of your own');
    return found;
  };
  return {
    get() {
      const raw = target().getItem(key);
      if (!raw) return null;
      try {
        const parsed = JSON.parse(raw) as StoredTokens;
        return typeof parsed.accessToken === 'string' && typeof parsed.refreshToken === 'string' ? parsed : null;
      } catch {
        return null;
      }
    },
    set(tokens) {
      if (tokens) target().setItem(key, JSON.stringify(tokens));
      else target().removeItem(key);
    },
  };
}
