import { HaloClient, HaloError, localStorageTokenStore, type LiveSocket, type User } from '../client/src/index';

/**
 * The Halo demo: sign-up and login by any identifier kind, the profile, avatar upload by both paths with a
 * preview, the live socket's events, logout and account deletion, all through client/. Served by Halo at
 * /demo (then it talks to the origin it came from), or as static files from anywhere with
 * `?api=<Halo base URL>` (and `&ws=<socket URL>` when the socket is elsewhere, as on AWS). Served by Halo on AWS,
 * the page's `halo-websocket-url` tag names the stack's socket (the docs function fills it in).
 */
const params = new URLSearchParams(location.search);
const api = params.get('api') ?? location.origin;
const servedSocketUrl = document.querySelector<HTMLMetaElement>('meta[name="halo-websocket-url"]')?.content || undefined;
const socketUrl = params.get('ws') ?? (params.has('api') ? undefined : servedSocketUrl);
const client = new HaloClient({ baseUrl: api, socketUrl, tokenStore: localStorageTokenStore('halo.demo.tokens') });
let socket: LiveSocket | undefined;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const text = (id: string, value: string) => void ($(id).textContent = value);

function say(message: string): void {
  text('message', message);
}

function log(entry: string): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()}  ${entry}`;
  $('log').prepend(item);
}

function explain(error: unknown): string {
  if (error instanceof HaloError) {
    const fields = Object.entries(error.fields).map(([field, problem]) => `${field}: ${problem}`);
    return fields.length > 0 ? fields.join('; ') : error.message;
  }
  return String(error);
}

function show(user: User | undefined): void {
  $('signed-out').hidden = Boolean(user);
  $('signed-in').hidden = !user;
  if (!user) return;
  text('identifier', user.identifier);
  text('identifier-type', user.identifierType);
  text('user-id', user.id);
  text('registered-at', new Date(user.registeredAt).toLocaleString());
  const avatar = $<HTMLImageElement>('avatar');
  if (user.avatarUrl) avatar.src = user.avatarUrl;
  else avatar.removeAttribute('src');
}

function startSocket(): void {
  socket?.close();
  socket = client.connect();
  text('socket-status', 'connecting');
  socket.on('open', () => {
    text('socket-status', 'open');
    log('socket open');
  });
  socket.on('close', (event) => {
    text('socket-status', 'reconnecting');
    log(`socket closed (${event.code}): ${event.why ?? ''}; reconnecting in ${event.reconnectInMs} ms`);
  });
  socket.on('message', (message) => log(`← ${JSON.stringify(message)}`));
  socket.on('avatar.changed', (event) => {
    $<HTMLImageElement>('avatar').src = event.avatarUrl;
    say('');
  });
  socket.on('avatar.rejected', (event) => say(`The image was refused: ${event.reason}`));
  socket.on('ended', (event) => {
    text('socket-status', 'closed');
    log(`socket ended: ${event.reason}`);
  });
}

async function signedIn(user: User): Promise<void> {
  show(user);
  startSocket();
}

$<HTMLFormElement>('credentials').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const data = new FormData(form);
  const action = (event.submitter as HTMLButtonElement | null)?.value ?? 'login';
  const identifier = String(data.get('identifier'));
  const password = String(data.get('password'));
  try {
    const user = action === 'register' ? await client.register(identifier, password) : await client.login(identifier, password);
    say('');
    log(`${action === 'register' ? 'signed up' : 'logged in'} as ${user.identifier}`);
    await signedIn(user);
  } catch (error) {
    say(explain(error));
  }
});

$<HTMLInputElement>('avatar-form').querySelector('input')?.addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  const preview = $<HTMLImageElement>('preview');
  if (!file) return void (preview.hidden = true);
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
});

$<HTMLFormElement>('avatar-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = (event.target as HTMLFormElement).querySelector('input')?.files?.[0];
  if (!file) return;
  const progress = $<HTMLProgressElement>('progress');
  const onProgress = (fraction: number) => void (progress.value = fraction);
  progress.value = 0;
  try {
    if ((event.submitter as HTMLButtonElement | null)?.value === 'direct') {
      const { uploadId } = await client.uploadAvatarDirect(file, { onProgress });
      log(`direct upload ${uploadId} sent; waiting for avatar.changed`);
      say('Uploaded to storage: Halo checks it and announces the result on the socket.');
    } else {
      const { avatarUrl } = await client.uploadAvatar(file, { onProgress });
      $<HTMLImageElement>('avatar').src = avatarUrl;
      log('avatar uploaded through Halo');
      say('');
    }
  } catch (error) {
    say(explain(error));
  }
});

$('logout').addEventListener('click', async () => {
  socket?.close();
  await client.logout().catch((error: unknown) => say(explain(error)));
  log('logged out');
  text('socket-status', 'closed');
  show(undefined);
});

$('delete').addEventListener('click', async () => {
  try {
    await client.deleteAccount();
    log('account deleted');
    show(undefined);
  } catch (error) {
    say(explain(error));
  }
});

text('api', api);
if (await client.isSignedIn()) {
  client.getUser().then(signedIn, () => show(undefined));
} else {
  show(undefined);
}
