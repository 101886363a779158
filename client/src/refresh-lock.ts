/**
 * One refresh at a time. In a page, concurrent callers share one promise; across the tabs of an origin the
 * Web Locks API (navigator.locks, in every current browser) runs one holder at a time, and the holder
 * re-reads the shared store first, so a tab that waited finds the pair another tab just got and does not
 * refresh again. Where Web Locks are missing (Node, old browsers), only the in-page guard applies, and
 * Halo's refresh grace window absorbs the rare race between tabs.
 */
interface LockManager {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export function createRefreshLock(name: string): <T>(work: () => Promise<T>) => Promise<T> {
  let running: Promise<unknown> | undefined;
  return <T>(work: () => Promise<T>): Promise<T> => {
    if (running) return running as Promise<T>;
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    const attempt = (locks ? locks.request(name, work) : work()).finally(() => {
      running = undefined;
    });
    running = attempt;
    return attempt;
  };
}
