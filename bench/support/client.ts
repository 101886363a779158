import sharp from 'sharp';
import WebSocket from 'ws';
import { now } from './stats';

/** Halo's API as a client sees it, over real HTTP and WebSockets on loopback. */
export interface Reply {
  readonly status: number;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- answers are read field by field
}

export async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const jsonPost = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export interface Account {
  readonly userId: string;
  readonly identifier: string;
  readonly password: string;
  accessToken: string;
  refreshToken: string;
}

export const PASSWORD = 'benchmark passphrase 7 zebras';

function expectStatus(reply: Reply, status: number, what: string): void {
  if (reply.status !== status) throw new Error(`${what}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.json)}`);
}

export async function register(base: string, identifier: string, password = PASSWORD): Promise<Account> {
  const reply = await call(`${base}/api/register`, jsonPost({ identifier, password }));
  expectStatus(reply, 201, `register ${identifier}`);
  const data = reply.json.data;
  return { userId: data.user.id, identifier, password, accessToken: data.accessToken, refreshToken: data.refreshToken };
}

export async function login(base: string, identifier: string, password = PASSWORD): Promise<{ accessToken: string; refreshToken: string }> {
  const reply = await call(`${base}/api/login`, jsonPost({ identifier, password }));
  expectStatus(reply, 200, `login ${identifier}`);
  return { accessToken: reply.json.data.accessToken, refreshToken: reply.json.data.refreshToken };
}

export async function refresh(base: string, refreshToken: string): Promise<{ accessToken: string; refreshToken: string }> {
  const reply = await call(`${base}/api/refresh`, jsonPost({ refreshToken }));
  expectStatus(reply, 200, 'refresh');
  return { accessToken: reply.json.data.accessToken, refreshToken: reply.json.data.refreshToken };
}

export const loginRequest = (identifier: string, password = PASSWORD) => jsonPost({ identifier, password });
export const refreshRequest = (refreshToken: string) => jsonPost({ refreshToken });

/** A small, patterned PNG (no fixtures in the repository): about what a phone's cropped avatar is after resizing. */
export async function avatarPng(side = 256): Promise<Buffer> {
  const pixels = Buffer.alloc(side * side * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + Math.floor(i / 97) * 11) & 0xff;
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
}

export const uploadAvatar = (base: string, token: string, png: Buffer) =>
  call(`${base}/api/user/avatar`, { method: 'POST', headers: { ...bearer(token), 'content-type': 'image/png' }, body: new Uint8Array(png) });

/** The browser's direct-to-S3 path: a presigned POST, then the form upload straight to (local) S3. */
export async function directUpload(base: string, token: string, png: Buffer): Promise<{ presign: Reply; uploadStatus: number }> {
  const presign = await call(`${base}/api/user/avatar/upload`, { method: 'POST', headers: bearer(token) });
  expectStatus(presign, 200, 'presign upload');
  const form = new FormData();
  for (const [name, value] of Object.entries(presign.json.data.fields as Record<string, string>)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(png)]), 'avatar.png');
  const upload = await fetch(presign.json.data.url as string, { method: 'POST', body: form });
  await upload.arrayBuffer();
  return { presign, uploadStatus: upload.status };
}

/** One socket and when (performance.now()) each thing happened to it. */
export interface TimedSocket {
  readonly socket: WebSocket;
  readonly received: { at: number; message: { type?: string; [key: string]: unknown } }[];
  closedAt: number | undefined;
}

export function openSocket(websocketUrl: string, accessToken: string): Promise<TimedSocket> {
  const socket = new WebSocket(`${websocketUrl}?access_token=${encodeURIComponent(accessToken)}`);
  const timed: TimedSocket = { socket, received: [], closedAt: undefined };
  socket.on('message', (data: Buffer) => {
    const at = now();
    try {
      timed.received.push({ at, message: JSON.parse(data.toString()) as TimedSocket['received'][number]['message'] });
    } catch {
      timed.received.push({ at, message: { type: 'unparseable' } });
    }
  });
  socket.on('close', () => (timed.closedAt ??= now()));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(timed));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`socket handshake refused: ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

/** Opens `count` sockets, `parallel` handshakes at a time (a burst of 1,000 at once measures the accept queue, not Halo). */
export async function openSockets(websocketUrl: string, accessToken: string, count: number, parallel = 50): Promise<TimedSocket[]> {
  const sockets: TimedSocket[] = [];
  for (let i = 0; i < count; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - i) }, () => openSocket(websocketUrl, accessToken));
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

export const firstOf = (socket: TimedSocket, type: string, since = 0) => socket.received.find((entry) => entry.message.type === type && entry.at >= since);
