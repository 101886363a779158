/**
 * Runs at most `limit` tasks at once; the others wait their turn, in order. A slot is handed straight to the
 * next waiter, so the limit holds exactly. A waiting task whose signal aborts leaves the queue without ever
 * starting (rejected with the signal's reason): a caller's deadline covers the wait as well as the work.
 * (Hand-written because it is twenty lines and must honour an AbortSignal while queued.)
 */
export function inFlightLimit(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  return async function run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (running < limit) {
      running++;
    } else {
      await new Promise<void>((start, drop) => {
        const onAbort = () => {
          waiting.splice(waiting.indexOf(go), 1);
          drop(signal?.reason);
        };
        const go = () => {
          signal?.removeEventListener('abort', onAbort);
          start();
        };
        waiting.push(go);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    try {
      return await task();
    } finally {
      release();
    }
  };
}
