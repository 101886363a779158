import type { SocketSender } from '#lib/sockets/socket-sender';

/** A SocketSender that records what it was asked to do; ids listed in `gone` answer as API Gateway would for them. */
export function recordingSockets(gone: Set<string> = new Set()) {
  const sent: { connectionId: string; message: unknown }[] = [];
  const closed: string[] = [];
  const sender: SocketSender = {
    async send(connectionId, message) {
      if (gone.has(connectionId)) return 'gone';
      sent.push({ connectionId, message });
      return 'sent';
    },
    async close(connectionId) {
      closed.push(connectionId);
    },
  };
  return { sender, sent, closed, gone };
}
