import { execFileSync } from 'node:child_process';
import { avatarPng, bearer, call, openSockets, register, uploadAvatar, type TimedSocket } from './support/client';
import { startStackProcess } from './support/child-process';
import { median, now, waitFor } from './support/stats';
import { note, printTable } from './support/table';

/**
 * Fan-out: N open sockets of one user against the embedded stack (a child process, as `npm start`);
 * an avatar upload, then the time until every socket has its avatar.changed; then DELETE /api/user and
 * the time until every socket is closed. The clients run in this process, the stack in its own.
 */

const openFileLimit = () => {
  try {
    const soft = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
    const hard = execFileSync('sh', ['-c', 'ulimit -Hn']).toString().trim();
    return { soft, hard };
  } catch {
    return { soft: 1024, hard: 'unknown' };
  }
};

const since = (t0: number, t: number | undefined) => (t === undefined ? Number.NaN : t - t0);

export async function fanOut() {
  const limit = openFileLimit();
  // Each socket takes a descriptor in this process and one in the stack's; keep a margin for everything else.
  const largest = Math.min(1_000, Math.floor((limit.soft - 300) / 2));
  const sizes = [...new Set([1, 100, largest])].filter((n) => n > 0);
  note(`open files: soft limit ${limit.soft}, hard ${limit.hard}; socket counts: ${sizes.join(', ')}${largest < 1_000 ? ' (reduced to fit the limit)' : ''}`);

  const png = await avatarPng(256);
  const stack = await startStackProcess();
  const rows: Record<string, number | string>[] = [];
  try {
    // Warm-up: the first upload loads sharp and every handler module; no row should pay for that.
    const warm = await register(stack.url, `fanout-warm-${Date.now()}@example.com`);
    await openSockets(stack.websocketUrl, warm.accessToken, 2);
    await uploadAvatar(stack.url, warm.accessToken, png);
    await call(`${stack.url}/api/user`, { method: 'DELETE', headers: bearer(warm.accessToken) });
    for (const count of sizes) {
      const account = await register(stack.url, `fanout-${count}-${Date.now()}@example.com`);
      const connectStart = now();
      const sockets = await openSockets(stack.websocketUrl, account.accessToken, count);
      const connectMs = now() - connectStart;

      // Avatar upload → avatar.changed on every socket.
      const uploadStart = now();
      const reply = await uploadAvatar(stack.url, account.accessToken, png);
      const uploadResponse = now();
      if (reply.status !== 200) throw new Error(`avatar upload answered ${reply.status}`);
      const avatarUrl = reply.json.data.avatarUrl as string;
      const changedAt = (s: TimedSocket) => s.received.find((e) => e.message.type === 'avatar.changed' && (e.message.data as { avatarUrl?: string })?.avatarUrl === avatarUrl)?.at;
      await waitFor(() => sockets.every((s) => changedAt(s) !== undefined), 30_000, `avatar.changed on ${count} sockets`);
      const arrivals = sockets.map((s) => since(uploadResponse, changedAt(s)));

      // DELETE → every socket told user.deleted and closed.
      // A failed DELETE is retried as a client would (it carries on where it stopped); the row says how often.
      const deleteStart = now();
      const statuses: number[] = [];
      while (statuses.at(-1) !== 200 && statuses.length < 3) {
        statuses.push((await call(`${stack.url}/api/user`, { method: 'DELETE', headers: bearer(account.accessToken) })).status);
      }
      const deleteResponse = now();
      if (statuses.at(-1) !== 200) throw new Error(`DELETE of ${count} sockets answered ${statuses.join(', ')}; the stack said:\n${stack.output().slice(-3000)}`);
      await waitFor(() => sockets.every((s) => s.closedAt !== undefined), 30_000, `${count} sockets to close`);
      const closes = sockets.map((s) => since(deleteStart, s.closedAt));
      const told = sockets.filter((s) => s.received.some((e) => e.message.type === 'user.deleted')).length;

      rows.push({
        sockets: count,
        'connect all, s': connectMs / 1000,
        'upload answered, ms': uploadResponse - uploadStart,
        'avatar.changed p50 after answer, ms': median(arrivals),
        'last avatar.changed after answer, ms': Math.max(...arrivals),
        'DELETE answered, ms': deleteResponse - deleteStart,
        'DELETE answers': statuses.join(', '),
        'all closed after DELETE sent, ms': Math.max(...closes),
        'p50 close, ms': median(closes),
        'told user.deleted': `${told}/${count}`,
      });
    }
  } finally {
    await stack.stop();
  }
  printTable('Fan-out on the embedded stack (avatar.changed times are from the upload’s answer; negative = before it)', rows);
  note(
    'The local @connections endpoint is the stack process itself: each PostToConnection is a loopback HTTP call that\n' +
      'writes to a socket at once. This measures Halo’s fan-out logic (one Query, then all sends at once, each with its\n' +
      'deadline; the @connections client keeps at most 200 sockets, functions/common/runtime/management-api.ts), not API Gateway’s delivery time on AWS.',
  );
  return { openFiles: limit, rows };
}
