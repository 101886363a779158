import type { WebSocketClock } from '#local/websocket-api';

/**
 * A clock that moves only when told: `advance(ms)` runs, in order, every timer that falls due on the way.
 * For behaviour measured in minutes and hours (idle timeouts, connection lifetimes, token refills) without
 * waiting, and without faking the timers the network code underneath relies on.
 */
export class ManualClock implements WebSocketClock {
  private readonly timers = new Map<number, { at: number; run: () => void }>();
  private lastId = 0;

  constructor(private time: number) {}

  now = (): number => this.time;

  setTimeout(run: () => void, ms: number): number {
    this.lastId += 1;
    this.timers.set(this.lastId, { at: this.time + ms, run });
    return this.lastId;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** How many timers are set and not yet run or cleared. */
  pending(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const [id, due] = [...this.timers].filter(([, timer]) => timer.at <= end).sort(([, a], [, b]) => a.at - b.at)[0] ?? [];
      if (id === undefined || !due) break;
      this.timers.delete(id);
      this.time = due.at;
      due.run();
    }
    this.time = end;
  }
}
