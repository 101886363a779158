import type { SocketSender } from '#lib/sockets/socket-sender';

/**
 * A SocketSender that records what it was asked to do. Per connection id it can answer `gone` (as API
 * Gateway does for a connection it no longer knows), fail, or hold a send until released (a slow
 * socket; never released, a hanging one). `events` is the order in which sends began and ended.
 */
export interface FakeSocketSender extends SocketSender {
  readonly sent: { connectionId: string; message: unknown }[];
  readonly closed: string[];
  /** `send <id>` when a send begins; then `sent <id>`, `gone <id>` or `failed <id>` when it ends; `close <id>`. */
  readonly events: string[];
  markGone(connectionId: string): void;
  failSends(connectionId: string, error?: Error): void;
  failCloses(connectionId: string, error?: Error): void;
  /** Holds every send to `connectionId` until the returned function is called. */
  hold(connectionId: string): () => void;
  /** The messages one connection received, in order. */
  messagesTo(connectionId: string): unknown[];
}

export function createFakeSocketSender(): FakeSocketSender {
  const sent: { connectionId: string; message: unknown }[] = [];
  const closed: string[] = [];
  const events: string[] = [];
  const gone = new Set<string>();
  const sendFailures = new Map<string, Error>();
  const closeFailures = new Map<string, Error>();
  const held = new Map<string, Promise<void>>();

  return {
    sent,
    closed,
    events,

    markGone(connectionId) {
      gone.add(connectionId);
    },

    failSends(connectionId, error = new Error(`socket ${connectionId} is unreachable`)) {
      sendFailures.set(connectionId, error);
    },

    failCloses(connectionId, error = new Error(`socket ${connectionId} could not be closed`)) {
      closeFailures.set(connectionId, error);
    },

    hold(connectionId) {
      let release = () => {};
      held.set(connectionId, new Promise<void>((resolve) => (release = resolve)));
      return () => {
        held.delete(connectionId);
        release();
      };
    },

    messagesTo(connectionId) {
      return sent.filter((entry) => entry.connectionId === connectionId).map((entry) => entry.message);
    },

    async send(connectionId, message) {
      events.push(`send ${connectionId}`);
      const hold = held.get(connectionId);
      if (hold) await hold;
      if (gone.has(connectionId)) {
        events.push(`gone ${connectionId}`);
        return 'gone';
      }
      const failure = sendFailures.get(connectionId);
      if (failure) {
        events.push(`failed ${connectionId}`);
        throw failure;
      }
      sent.push({ connectionId, message: structuredClone(message) });
      events.push(`sent ${connectionId}`);
      return 'sent';
    },

    async close(connectionId) {
      events.push(`close ${connectionId}`);
      const failure = closeFailures.get(connectionId);
      if (failure) throw failure;
      closed.push(connectionId);
    },
  };
}
