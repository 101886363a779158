import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import WebSocket from 'ws';
import { LOCAL_WEBSOCKET_PATH } from '#infra/catalog';

/**
 * The smoke check: one account's whole life through the front door, the way a client sees it, against a
 * running Halo (the compose gateway in front of LocalStack, or `npm start`). Each step depends on the ones
 * before, so the first failure stops it, named.
 */
export interface SmokeSettings {
  /** Where this process reaches Halo (in compose: http://gateway:3000). */
  readonly baseUrl: string;
  /** Halo's public URL: the issuer, and the base of avatar URLs (in compose: PUBLIC_URL, http://localhost:3000). */
  readonly publicUrl: string;
  /** Where browsers reach S3: avatar redirects must point there (in compose: S3_PUBLIC_ENDPOINT). */
  readonly s3PublicEndpoint: string;
  /** How long an asynchronous effect (the S3 notification's avatar.changed) may take. LocalStack starts a container per cold function. */
  readonly eventTimeoutMs?: number;
  /** Per HTTP request: a cold start in LocalStack can take several seconds. */
  readonly requestTimeoutMs?: number;
}

export interface SmokeStep {
  readonly name: string;
  readonly run: () => Promise<string | void>;
}

interface Json {
  [key: string]: unknown;
}

class SmokeFailure extends Error {
  override name = 'SmokeFailure';
}

const check = (condition: unknown, message: string): void => {
  if (!condition) throw new SmokeFailure(message);
};

export interface Smoke {
  readonly steps: readonly SmokeStep[];
  /** Closes the socket, if a step left it open (a failure). */
  close(): void;
}

/** The steps, sharing one account and one socket. */
export function createSmoke(settings: SmokeSettings): Smoke {
  const { baseUrl, publicUrl, s3PublicEndpoint, eventTimeoutMs = 90_000, requestTimeoutMs = 60_000 } = settings;
  const state: { accessToken?: string; userId?: string; avatarUrl?: string; socket?: SmokeSocket } = {};
  const identifier = `smoke_${randomBytes(6).toString('hex')}`;
  const password = `smoke test ${randomBytes(12).toString('base64url')}`;

  const request = async (method: string, path: string, init: { body?: string | Uint8Array; headers?: Record<string, string>; token?: string } = {}) => {
    const url = path.startsWith('http') ? path : `${baseUrl}${path}`;
    const response = await fetch(url, {
      method,
      body: init.body,
      redirect: 'manual',
      headers: { ...init.headers, ...(init.token && { authorization: `Bearer ${init.token}` }) },
      signal: AbortSignal.timeout(requestTimeoutMs),
    }).catch((error: Error) => {
      throw new SmokeFailure(`${method} ${url} failed: ${error.message}${error.cause ? ` (${String((error.cause as Error).message ?? error.cause)})` : ''}`);
    });
    const text = await response.text();
    let json: Json | undefined;
    try {
      json = JSON.parse(text) as Json;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  const expectStatus = (reply: { status: number; text: string }, status: number, what: string) =>
    check(reply.status === status, `${what}: expected ${status}, got ${reply.status}: ${reply.text.slice(0, 300)}`);
  const data = (reply: { json?: Json }) => (reply.json?.data ?? {}) as Json;
  /** A URL Halo hands out (public) as this process reaches it. */
  const reachable = (url: string) => (url.startsWith(publicUrl) ? `${baseUrl}${url.slice(publicUrl.length)}` : url);

  const steps: SmokeStep[] = [
    {
      name: 'the public signing keys are published (GET /.well-known/jwks.json)',
      run: async () => {
        const reply = await request('GET', '/.well-known/jwks.json');
        expectStatus(reply, 200, 'JWKS');
        const keys = (reply.json?.keys ?? []) as unknown[];
        check(keys.length > 0, 'the JWKS has no key: the signing key was never written');
        return `${keys.length} key(s)`;
      },
    },
    {
      name: 'the OAuth metadata names the public URL as issuer',
      run: async () => {
        const reply = await request('GET', '/.well-known/oauth-authorization-server');
        expectStatus(reply, 200, 'metadata');
        check(reply.json?.issuer === publicUrl, `issuer is ${String(reply.json?.issuer)}, expected ${publicUrl}`);
      },
    },
    {
      name: 'an account can be registered (POST /api/register)',
      run: async () => {
        const reply = await request('POST', '/api/register', { body: JSON.stringify({ identifier, password }), headers: { 'content-type': 'application/json' } });
        expectStatus(reply, 201, 'register');
        state.accessToken = data(reply).accessToken as string;
        state.userId = (data(reply).user as Json | undefined)?.id as string;
        check(state.accessToken && state.userId, 'register answered no token or no user id');
        return identifier;
      },
    },
    {
      name: 'its token reads its profile (GET /api/user)',
      run: async () => {
        const reply = await request('GET', '/api/user', { token: state.accessToken });
        expectStatus(reply, 200, 'profile');
        check((data(reply).user as Json | undefined)?.id === state.userId, 'the profile is not the registered user');
      },
    },
    {
      name: `the live socket opens with the token and answers a ping (${LOCAL_WEBSOCKET_PATH})`,
      run: async () => {
        const url = `${baseUrl.replace(/^http/, 'ws')}${LOCAL_WEBSOCKET_PATH}?access_token=${encodeURIComponent(state.accessToken ?? '')}`;
        state.socket = await SmokeSocket.open(url, requestTimeoutMs);
        state.socket.send({ action: 'ping' });
        await state.socket.next((m) => m.type === 'pong', requestTimeoutMs, 'a pong');
      },
    },
    {
      name: 'an avatar upload is judged, stored in S3 and announced on the socket (S3 notification → avatar-events → @connections)',
      run: async () => {
        const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 40, g: 90, b: 200 } } }).png().toBuffer();
        const reply = await request('POST', '/api/user/avatar', { token: state.accessToken, body: new Uint8Array(png), headers: { 'content-type': 'image/png' } });
        expectStatus(reply, 200, 'avatar upload');
        state.avatarUrl = data(reply).avatarUrl as string;
        check(state.avatarUrl?.startsWith(`${publicUrl}/avatars/`), `avatarUrl ${String(state.avatarUrl)} is not under ${publicUrl}/avatars/`);
        const announced = await state.socket?.next(
          (m) => m.type === 'avatar.changed' && (m.data as Json | undefined)?.avatarUrl === state.avatarUrl,
          eventTimeoutMs,
          'avatar.changed for the new avatar',
        );
        check(announced, 'no socket to hear the announcement');
      },
    },
    {
      name: 'the avatar URL redirects to S3 at the address browsers use',
      run: async () => {
        const reply = await request('GET', reachable(state.avatarUrl ?? ''));
        expectStatus(reply, 302, 'avatar URL');
        const location = reply.headers.get('location') ?? '';
        check(location.startsWith(s3PublicEndpoint), `the redirect goes to ${location.slice(0, 120)}, not to ${s3PublicEndpoint}`);
      },
    },
    {
      name: 'the API reference is served (GET /docs)',
      run: async () => {
        const reply = await request('GET', '/docs');
        expectStatus(reply, 200, 'docs');
        check(reply.headers.get('content-type')?.startsWith('text/html'), `docs answered ${reply.headers.get('content-type')}`);
      },
    },
    {
      name: 'deleting the account closes its socket and ends its token (DELETE /api/user)',
      run: async () => {
        const reply = await request('DELETE', '/api/user', { token: state.accessToken });
        expectStatus(reply, 200, 'delete');
        await state.socket?.next((m) => m.type === 'user.deleted', eventTimeoutMs, 'user.deleted');
        await state.socket?.closed(eventTimeoutMs);
        const after = await request('GET', '/api/user', { token: state.accessToken });
        expectStatus(after, 401, 'profile after deletion');
      },
    },
  ];
  return { steps, close: () => state.socket?.close() };
}

/** Runs the steps in order, stopping at the first failure; resolves with the failure's step and reason, or undefined. */
export async function runSmoke(steps: readonly SmokeStep[], log: (line: string) => void): Promise<{ step: string; reason: string } | undefined> {
  for (const step of steps) {
    const started = Date.now();
    try {
      const note = await step.run();
      log(`  ✓ ${step.name}${note ? ` (${note})` : ''} ${Date.now() - started} ms`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log(`  ✗ ${step.name}: ${reason}`);
      return { step: step.name, reason };
    }
  }
  return undefined;
}

/** A socket whose messages are kept until asked for, so none is missed between steps. */
class SmokeSocket {
  private readonly messages: Json[] = [];
  private readonly waiters = new Set<() => void>();
  private isClosed = false;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw: Buffer) => {
      try {
        this.messages.push(JSON.parse(raw.toString('utf8')) as Json);
      } catch {
        this.messages.push({ type: 'unparsable', text: raw.toString('utf8') });
      }
      this.wake();
    });
    socket.on('close', () => {
      this.isClosed = true;
      this.wake();
    });
  }

  static open(url: string, timeoutMs: number): Promise<SmokeSocket> {
    return new Promise((done, fail) => {
      const socket = new WebSocket(url);
      const timer = setTimeout(() => {
        socket.terminate();
        fail(new SmokeFailure(`the socket did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        done(new SmokeSocket(socket));
      });
      socket.once('unexpected-response', (_request, response) => {
        clearTimeout(timer);
        fail(new SmokeFailure(`the socket handshake was refused with ${response.statusCode}`));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        fail(new SmokeFailure(`the socket failed: ${error.message}`));
      });
    });
  }

  send(message: Json): void {
    this.socket.send(JSON.stringify(message));
  }

  async next(matches: (message: Json) => boolean, timeoutMs: number, what: string): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex(matches);
      if (index >= 0) return this.messages.splice(index, 1)[0] as Json;
      if (this.isClosed) throw new SmokeFailure(`the socket closed before ${what} arrived (got ${JSON.stringify(this.messages).slice(0, 300)})`);
      if (Date.now() >= deadline) throw new SmokeFailure(`${what} did not arrive within ${timeoutMs} ms (got ${JSON.stringify(this.messages).slice(0, 300)})`);
      await this.wait(deadline - Date.now());
    }
  }

  async closed(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isClosed) {
      if (Date.now() >= deadline) throw new SmokeFailure(`the socket was not closed within ${timeoutMs} ms`);
      await this.wait(deadline - Date.now());
    }
  }

  close(): void {
    this.socket.close();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((done) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        done();
      };
      const timer = setTimeout(wake, Math.max(ms, 0));
      this.waiters.add(wake);
    });
  }

  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
